package main

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/http/pprof"
	"strconv"
	"strings"
	"time"

	"go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/trace"
)

// app is the service: its endpoints, its faults and what it remembers having sent.
type app struct {
	log            *slog.Logger
	tracerProvider trace.TracerProvider
	meterProvider  metric.MeterProvider
	tracer         trace.Tracer
	exported       *exportCounts
	pii            *piiGenerator
	sent           *sentLedger
	latency        latencyFault
	leak           goroutineLeak
	gc             gcPressure
}

func newApp(log *slog.Logger, tp trace.TracerProvider, mp metric.MeterProvider, exported *exportCounts, piiSeed uint64) *app {
	return &app{
		log:            log,
		tracerProvider: tp,
		meterProvider:  mp,
		tracer:         tp.Tracer(scopeName),
		exported:       exported,
		pii:            newPIIGenerator(piiSeed),
		sent:           newSentLedger(),
	}
}

// handler routes every endpoint behind otelhttp, which makes the server spans and the
// http.server.request.duration histogram.
func (a *app) handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", a.handleIndex)
	mux.HandleFunc("GET /api/orders/{id}", a.handleOrder)

	mux.HandleFunc("POST /fault/goroutine-leak", a.startGoroutineLeak)
	mux.HandleFunc("DELETE /fault/goroutine-leak", a.stopGoroutineLeak)
	mux.HandleFunc("POST /fault/gc-pressure", a.startGCPressure)
	mux.HandleFunc("DELETE /fault/gc-pressure", a.stopGCPressure)
	mux.HandleFunc("POST /fault/latency", a.setLatency)
	mux.HandleFunc("DELETE /fault/latency", a.clearLatency)
	mux.HandleFunc("POST /fault/pii", a.emitPII)

	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
	})
	mux.HandleFunc("GET /debug/sent", func(w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, http.StatusOK, a.sent.snapshot())
	})
	mux.HandleFunc("GET /debug/exported", func(w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, http.StatusOK, a.exported.snapshot())
	})
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)

	return otelhttp.NewHandler(mux, "go-service",
		otelhttp.WithTracerProvider(a.tracerProvider),
		otelhttp.WithMeterProvider(a.meterProvider),
		otelhttp.WithFilter(isTrafficToObserve),
	)
}

// isTrafficToObserve leaves probes, test read-outs and profiling out of the telemetry:
// they are not the service's traffic, and polling /debug/exported must not change the
// numbers it reports.
func isTrafficToObserve(r *http.Request) bool {
	return r.URL.Path != "/healthz" && !strings.HasPrefix(r.URL.Path, "/debug/")
}

func (a *app) handleIndex(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	orders := make([]order, 3)
	for i := range orders {
		orders[i] = a.loadOrder(ctx, strconv.Itoa(rand.IntN(1000)))
	}
	a.log.InfoContext(ctx, "index served", "orders", len(orders))
	writeJSON(w, http.StatusOK, map[string]any{"service": "go-service", "recentOrders": orders})
}

func (a *app) handleOrder(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	o := a.loadOrder(ctx, r.PathValue("id"))
	a.log.InfoContext(ctx, "order served", "order.id", o.ID, "order.items", len(o.Items))
	writeJSON(w, http.StatusOK, o)
}

type order struct {
	ID    string      `json:"id"`
	Items []orderItem `json:"items"`
	Total float64     `json:"total"`
}

type orderItem struct {
	SKU      string  `json:"sku"`
	Quantity int     `json:"quantity"`
	Price    float64 `json:"price"`
}

// loadOrder stands in for a database read: a child span, a few small allocations and
// a short wait, plus whatever latency the latency fault adds.
func (a *app) loadOrder(ctx context.Context, id string) order {
	_, span := a.tracer.Start(ctx, "orders.load", trace.WithAttributes(attribute.String("order.id", id)))
	defer span.End()

	o := order{ID: id, Items: make([]orderItem, 1+rand.IntN(5))}
	for i := range o.Items {
		item := orderItem{SKU: fmt.Sprintf("sku-%04d", rand.IntN(10000)), Quantity: 1 + rand.IntN(3), Price: float64(rand.IntN(10000)) / 100}
		o.Items[i] = item
		o.Total += float64(item.Quantity) * item.Price
	}
	time.Sleep(time.Millisecond + rand.N(3*time.Millisecond) + a.latency.delay())
	return o
}

func (a *app) startGoroutineLeak(w http.ResponseWriter, r *http.Request) {
	rate, err := intParam(r, "rate", 50, 1, 1000)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	a.leak.start(rate)
	a.log.WarnContext(r.Context(), "fault started: goroutine leak", "fault.rate_per_second", rate)
	writeJSON(w, http.StatusOK, map[string]any{"fault": "goroutine-leak", "active": true, "ratePerSecond": rate, "leaked": a.leak.leaking()})
}

func (a *app) stopGoroutineLeak(w http.ResponseWriter, r *http.Request) {
	released := a.leak.leaking()
	a.leak.stop()
	a.log.InfoContext(r.Context(), "fault stopped: goroutine leak", "fault.released", released)
	writeJSON(w, http.StatusOK, map[string]any{"fault": "goroutine-leak", "active": false, "released": released})
}

func (a *app) startGCPressure(w http.ResponseWriter, r *http.Request) {
	mbPerSecond, err := intParam(r, "mbps", 100, 1, 2000)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	retainMB, err := intParam(r, "retainMB", 128, 0, 4096)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	a.gc.start(mbPerSecond, retainMB)
	a.log.WarnContext(r.Context(), "fault started: gc pressure", "fault.mb_per_second", mbPerSecond, "fault.retain_mb", retainMB)
	writeJSON(w, http.StatusOK, map[string]any{"fault": "gc-pressure", "active": true, "mbPerSecond": mbPerSecond, "retainMB": retainMB})
}

func (a *app) stopGCPressure(w http.ResponseWriter, r *http.Request) {
	a.gc.stop()
	a.log.InfoContext(r.Context(), "fault stopped: gc pressure")
	writeJSON(w, http.StatusOK, map[string]any{"fault": "gc-pressure", "active": false})
}

func (a *app) setLatency(w http.ResponseWriter, r *http.Request) {
	ms, err := intParam(r, "ms", 300, 0, 60000)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	a.latency.set(time.Duration(ms) * time.Millisecond)
	a.log.WarnContext(r.Context(), "fault started: latency", "fault.latency_ms", ms)
	writeJSON(w, http.StatusOK, map[string]any{"fault": "latency", "active": ms > 0, "ms": ms})
}

func (a *app) clearLatency(w http.ResponseWriter, r *http.Request) {
	a.latency.set(0)
	a.log.InfoContext(r.Context(), "fault stopped: latency")
	writeJSON(w, http.StatusOK, map[string]any{"fault": "latency", "active": false})
}

// emitPII sends fresh personal data in the request's span and in an error log record,
// next to ordinary attributes, and records every value in the ledger first so that
// /debug/sent lists it even if the export later fails.
func (a *app) emitPII(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	rec := a.pii.next()
	a.sent.record(rec)

	span := trace.SpanFromContext(ctx)
	span.SetAttributes(piiSpanAttributes(rec)...)
	a.log.ErrorContext(ctx,
		fmt.Sprintf("payment failed for %s (phone %s, mobile %s), card %s declined",
			rec.Email, rec.PhoneUS, rec.PhoneCN, rec.CardSpaced),
		piiLogAttributes(rec)...,
	)
	writeJSON(w, http.StatusOK, map[string]any{
		"traceId": span.SpanContext().TraceID().String(),
		"sent":    rec,
	})
}

func authorizationHeader(rec piiRecord) []string {
	// A slice: semantic conventions record http.request.header.* as string arrays.
	return []string{"Bearer " + rec.BearerToken}
}

func piiSpanAttributes(rec piiRecord) []attribute.KeyValue {
	return []attribute.KeyValue{
		attribute.String("user.email", rec.Email),
		attribute.String("user.phone", rec.PhoneUS),
		attribute.String("user.mobile", rec.PhoneCN),
		attribute.String("payment.card.number", rec.Card),
		attribute.StringSlice("http.request.header.authorization", authorizationHeader(rec)),
		attribute.String("order.id", rec.OrderID),
		attribute.String("feature", rec.Feature),
	}
}

func piiLogAttributes(rec piiRecord) []any {
	return []any{
		slog.String("user.email", rec.Email),
		slog.String("user.phone", rec.PhoneUS),
		slog.String("user.mobile", rec.PhoneCN),
		slog.String("payment.card.number", rec.Card),
		slog.Any("http.request.header.authorization", authorizationHeader(rec)),
		slog.String("order.id", rec.OrderID),
		slog.String("feature", rec.Feature),
	}
}

// intParam reads an integer query parameter, falling back to def when absent.
func intParam(r *http.Request, name string, def, lo, hi int) (int, error) {
	raw := r.URL.Query().Get(name)
	if raw == "" {
		return def, nil
	}
	v, err := strconv.Atoi(raw)
	if err != nil || v < lo || v > hi {
		return 0, fmt.Errorf("%s must be an integer from %d to %d", name, lo, hi)
	}
	return v, nil
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	// The status line is already out; an encoding error can only mean a gone client.
	_ = json.NewEncoder(w).Encode(v)
}
