// Command go-service is a small HTTP service instrumented with the OpenTelemetry Go SDK.
// It sends traces, metrics and logs over OTLP/gRPC and can switch on faults (goroutine
// leak, GC pressure, latency, personal data in telemetry) for telepipe's tests and demos.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strconv"
	"syscall"
	"time"

	"go.opentelemetry.io/contrib/bridges/otelslog"
	"go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp"
)

// shutdownTimeout bounds the whole graceful shutdown: draining requests and flushing
// the three telemetry pipelines.
const shutdownTimeout = 10 * time.Second

type config struct {
	port    string
	loadRPS float64
}

func loadConfig() (config, error) {
	cfg := config{port: envOr("PORT", "8088")}
	rps, err := strconv.ParseFloat(envOr("LOAD_RPS", "5"), 64)
	if err != nil || (rps != 0 && (rps < 0.01 || rps > 1000)) {
		return config{}, fmt.Errorf("LOAD_RPS must be 0 or from 0.01 to 1000, got %q", os.Getenv("LOAD_RPS"))
	}
	cfg.loadRPS = rps
	return cfg, nil
}

func envOr(key, def string) string {
	if v := os.Getenv(key); v != "" {
		return v
	}
	return def
}

func main() {
	if err := run(); err != nil {
		log.Printf("go-service: %v", err)
		os.Exit(1)
	}
}

func run() error {
	applyOTelEnvDefaults()
	cfg, err := loadConfig()
	if err != nil {
		return err
	}
	ctx, stopSignals := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stopSignals()

	counts := newExportCounts()
	tel, err := setupTelemetry(ctx, counts)
	if err != nil {
		return err
	}
	logger := otelslog.NewLogger(scopeName, otelslog.WithLoggerProvider(tel.loggerProvider))
	a := newApp(logger, tel.tracerProvider, tel.meterProvider, counts, uint64(time.Now().UnixNano()))

	// Listen before starting the load loop, so its first calls find the port open.
	listener, err := net.Listen("tcp", ":"+cfg.port)
	if err != nil {
		return errors.Join(err, tel.shutdown(context.Background()))
	}
	server := &http.Server{Handler: a.handler(), ReadHeaderTimeout: 5 * time.Second}
	serveErr := make(chan error, 1)
	go func() { serveErr <- server.Serve(listener) }()
	log.Printf("go-service: listening on %s, OTLP endpoint %s", listener.Addr(), os.Getenv("OTEL_EXPORTER_OTLP_ENDPOINT"))

	loadCtx, stopLoad := context.WithCancel(ctx)
	loadDone := startLoad(loadCtx, cfg, tel)

	var failure error
	select {
	case <-ctx.Done():
	case failure = <-serveErr:
	}
	stopLoad()
	<-loadDone
	return errors.Join(failure, shutdown(server, a, tel, counts))
}

// startLoad runs the built-in load loop unless LOAD_RPS is 0; the returned channel
// closes when the loop has ended.
func startLoad(ctx context.Context, cfg config, tel *telemetry) <-chan struct{} {
	done := make(chan struct{})
	if cfg.loadRPS == 0 {
		close(done)
		return done
	}
	client := &http.Client{
		Timeout: 5 * time.Second,
		Transport: otelhttp.NewTransport(http.DefaultTransport,
			otelhttp.WithTracerProvider(tel.tracerProvider),
			otelhttp.WithMeterProvider(tel.meterProvider),
		),
	}
	go func() {
		defer close(done)
		runLoad(ctx, client, "http://127.0.0.1:"+cfg.port, cfg.loadRPS)
	}()
	return done
}

// shutdown drains the server, ends the faults and flushes telemetry within
// shutdownTimeout. Flush failures are reported but do not fail the exit: the process
// did stop as asked, and the export counts printed last say what was delivered.
func shutdown(server *http.Server, a *app, tel *telemetry, counts *exportCounts) error {
	log.Printf("go-service: shutting down")
	ctx, cancel := context.WithTimeout(context.Background(), shutdownTimeout)
	defer cancel()
	if err := server.Shutdown(ctx); err != nil {
		log.Printf("go-service: draining requests: %v", err)
	}
	a.leak.stop()
	a.gc.stop()
	if err := tel.shutdown(ctx); err != nil {
		log.Printf("go-service: flushing telemetry: %v", err)
	}
	return printFinalCounts(counts)
}

// printFinalCounts writes the export counts as one JSON line on stdout. After the
// final flush /debug/exported is gone, so this is where a test reads the totals.
func printFinalCounts(counts *exportCounts) error {
	line, err := json.Marshal(map[string]any{"exported": counts.snapshot()})
	if err != nil {
		return err
	}
	_, err = fmt.Fprintln(os.Stdout, string(line))
	return err
}
