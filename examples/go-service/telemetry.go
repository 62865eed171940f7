package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"sync"
	"time"

	"go.opentelemetry.io/contrib/instrumentation/runtime"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/exporters/otlp/otlplog/otlploggrpc"
	"go.opentelemetry.io/otel/exporters/otlp/otlpmetric/otlpmetricgrpc"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracegrpc"
	"go.opentelemetry.io/otel/log/global"
	"go.opentelemetry.io/otel/propagation"
	sdklog "go.opentelemetry.io/otel/sdk/log"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	semconv "go.opentelemetry.io/otel/semconv/v1.43.0"
)

// scopeName is the instrumentation scope of the service's own spans and logs.
const scopeName = "github.com/telepipe/telepipe/examples/go-service"

// otelEnvDefaults are this service's defaults for settings the OTel SDK reads from the
// environment itself. They are applied only where the environment leaves them unset, so
// every standard OTEL_* variable keeps its usual meaning.
var otelEnvDefaults = map[string]string{
	// The http scheme makes all three gRPC exporters connect without TLS, as a local
	// telepipe expects.
	"OTEL_EXPORTER_OTLP_ENDPOINT": "http://localhost:4317",
	// The SDK's own default is 60 s, too slow for tests that wait for data.
	"OTEL_METRIC_EXPORT_INTERVAL": "5000",
	// The current runtime metrics have no GC pause or heap-in-use series; the older
	// process.runtime.go.* set has both, and the anomaly worker prefers them. Set it to false
	// for the current conventions only, what a service at the instrumentation's defaults
	// exports: the worker then derives its GC signals from go.memory.allocated and
	// go.memory.gc.goal.
	"OTEL_GO_X_DEPRECATED_RUNTIME_METRICS": "true",
}

func applyOTelEnvDefaults() {
	for key, value := range otelEnvDefaults {
		if _, set := os.LookupEnv(key); !set {
			os.Setenv(key, value)
		}
	}
}

// gcPauseBucketsNs suits process.runtime.go.gc.pause_ns: its instrument records
// nanoseconds, but the SDK's default buckets (0 … 10000) would put every real pause,
// which lasts tens of microseconds or more, in the overflow bucket.
var gcPauseBucketsNs = []float64{
	10e3, 25e3, 50e3, 100e3, 250e3, 500e3, // 10 µs … 500 µs
	1e6, 2.5e6, 5e6, 10e6, 25e6, 50e6, // 1 ms … 50 ms
	100e6, 250e6, 500e6, 1e9, // 100 ms … 1 s
}

// telemetry holds the three SDK providers so they can be flushed together at shutdown.
type telemetry struct {
	tracerProvider *sdktrace.TracerProvider
	meterProvider  *sdkmetric.MeterProvider
	loggerProvider *sdklog.LoggerProvider
}

// setupTelemetry builds OTLP/gRPC pipelines for traces, metrics and logs, wraps each
// exporter so successful exports are counted, registers the providers globally and
// starts the runtime instrumentation.
func setupTelemetry(ctx context.Context, counts *exportCounts) (*telemetry, error) {
	res, err := newResource(ctx)
	if err != nil {
		return nil, err
	}
	traceExporter, err := otlptracegrpc.New(ctx)
	if err != nil {
		return nil, fmt.Errorf("trace exporter: %w", err)
	}
	metricExporter, err := otlpmetricgrpc.New(ctx)
	if err != nil {
		return nil, fmt.Errorf("metric exporter: %w", err)
	}
	logExporter, err := otlploggrpc.New(ctx)
	if err != nil {
		return nil, fmt.Errorf("log exporter: %w", err)
	}

	t := &telemetry{
		tracerProvider: sdktrace.NewTracerProvider(
			sdktrace.WithResource(res),
			sdktrace.WithBatcher(countingSpanExporter{traceExporter, counts}),
		),
		meterProvider: sdkmetric.NewMeterProvider(
			sdkmetric.WithResource(res),
			// No WithInterval: the reader takes OTEL_METRIC_EXPORT_INTERVAL itself.
			sdkmetric.WithReader(sdkmetric.NewPeriodicReader(
				countingMetricExporter{metricExporter, counts},
				sdkmetric.WithProducer(runtime.NewProducer()),
			)),
			sdkmetric.WithView(gcPauseView()),
		),
		loggerProvider: sdklog.NewLoggerProvider(
			sdklog.WithResource(res),
			sdklog.WithProcessor(sdklog.NewBatchProcessor(countingLogExporter{logExporter, counts})),
		),
	}
	otel.SetTracerProvider(t.tracerProvider)
	otel.SetMeterProvider(t.meterProvider)
	global.SetLoggerProvider(t.loggerProvider)
	otel.SetTextMapPropagator(propagation.NewCompositeTextMapPropagator(
		propagation.TraceContext{}, propagation.Baggage{},
	))

	// Read the runtime's statistics at most once a second rather than every 15 s, so
	// each export (every few seconds in tests) carries fresh heap and GC numbers.
	if err := runtime.Start(
		runtime.WithMeterProvider(t.meterProvider),
		runtime.WithMinimumReadMemStatsInterval(time.Second),
	); err != nil {
		return nil, errors.Join(fmt.Errorf("runtime instrumentation: %w", err), t.shutdown(ctx))
	}
	return t, nil
}

// newResource identifies this process. The environment (OTEL_SERVICE_NAME,
// OTEL_RESOURCE_ATTRIBUTES) is applied last so it overrides the defaults here.
func newResource(ctx context.Context) (*resource.Resource, error) {
	host, err := os.Hostname()
	if err != nil {
		host = "unknown-host"
	}
	return resource.New(ctx,
		resource.WithAttributes(
			semconv.ServiceName("go-service"),
			semconv.ServiceInstanceID(fmt.Sprintf("%s-%d", host, os.Getpid())),
		),
		resource.WithHost(),
		resource.WithProcessPID(),
		resource.WithProcessRuntimeName(),
		resource.WithProcessRuntimeVersion(),
		resource.WithTelemetrySDK(),
		resource.WithFromEnv(),
	)
}

func gcPauseView() sdkmetric.View {
	return sdkmetric.NewView(
		sdkmetric.Instrument{Name: "process.runtime.go.gc.pause_ns"},
		sdkmetric.Stream{Aggregation: sdkmetric.AggregationExplicitBucketHistogram{
			Boundaries: gcPauseBucketsNs,
		}},
	)
}

// shutdown flushes and stops the three providers in parallel, so one unreachable
// endpoint cannot use up the whole deadline before the others get their turn.
func (t *telemetry) shutdown(ctx context.Context) error {
	type flushStopper interface {
		ForceFlush(context.Context) error
		Shutdown(context.Context) error
	}
	providers := map[string]flushStopper{
		"traces":  t.tracerProvider,
		"metrics": t.meterProvider,
		"logs":    t.loggerProvider,
	}
	var (
		mu   sync.Mutex
		errs []error
		wg   sync.WaitGroup
	)
	for signal, p := range providers {
		wg.Go(func() {
			var failed []error
			if err := p.ForceFlush(ctx); err != nil {
				failed = append(failed, fmt.Errorf("%s flush: %w", signal, err))
			}
			if err := p.Shutdown(ctx); err != nil {
				failed = append(failed, fmt.Errorf("%s shutdown: %w", signal, err))
			}
			mu.Lock()
			errs = append(errs, failed...)
			mu.Unlock()
		})
	}
	wg.Wait()
	return errors.Join(errs...)
}
