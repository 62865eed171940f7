package main

import (
	"context"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"go.opentelemetry.io/contrib/bridges/otelslog"
	collogspb "go.opentelemetry.io/proto/otlp/collector/logs/v1"
	colmetricspb "go.opentelemetry.io/proto/otlp/collector/metrics/v1"
	coltracepb "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	metricspb "go.opentelemetry.io/proto/otlp/metrics/v1"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// otlpReceiver is an in-process OTLP/gRPC endpoint that tallies what it accepted, or
// rejects everything with a non-retryable error when reject is set.
type otlpReceiver struct {
	mu         sync.Mutex
	reject     bool
	spans      int64
	logRecords int64
	points     map[string]int64
}

type traceService struct {
	coltracepb.UnimplementedTraceServiceServer
	*otlpReceiver
}

type metricsService struct {
	colmetricspb.UnimplementedMetricsServiceServer
	*otlpReceiver
}

type logsService struct {
	collogspb.UnimplementedLogsServiceServer
	*otlpReceiver
}

func (s traceService) Export(_ context.Context, req *coltracepb.ExportTraceServiceRequest) (*coltracepb.ExportTraceServiceResponse, error) {
	return &coltracepb.ExportTraceServiceResponse{}, s.accept(func() {
		for _, rs := range req.ResourceSpans {
			for _, ss := range rs.ScopeSpans {
				s.spans += int64(len(ss.Spans))
			}
		}
	})
}

func (s metricsService) Export(_ context.Context, req *colmetricspb.ExportMetricsServiceRequest) (*colmetricspb.ExportMetricsServiceResponse, error) {
	return &colmetricspb.ExportMetricsServiceResponse{}, s.accept(func() {
		for _, rm := range req.ResourceMetrics {
			for _, sm := range rm.ScopeMetrics {
				for _, m := range sm.Metrics {
					s.points[m.Name] += protoDataPoints(m)
				}
			}
		}
	})
}

func (s logsService) Export(_ context.Context, req *collogspb.ExportLogsServiceRequest) (*collogspb.ExportLogsServiceResponse, error) {
	return &collogspb.ExportLogsServiceResponse{}, s.accept(func() {
		for _, rl := range req.ResourceLogs {
			for _, sl := range rl.ScopeLogs {
				s.logRecords += int64(len(sl.LogRecords))
			}
		}
	})
}

func (r *otlpReceiver) accept(tally func()) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.reject {
		return status.Error(codes.InvalidArgument, "rejected by test receiver")
	}
	tally()
	return nil
}

func protoDataPoints(m *metricspb.Metric) int64 {
	switch d := m.Data.(type) {
	case *metricspb.Metric_Gauge:
		return int64(len(d.Gauge.DataPoints))
	case *metricspb.Metric_Sum:
		return int64(len(d.Sum.DataPoints))
	case *metricspb.Metric_Histogram:
		return int64(len(d.Histogram.DataPoints))
	case *metricspb.Metric_ExponentialHistogram:
		return int64(len(d.ExponentialHistogram.DataPoints))
	case *metricspb.Metric_Summary:
		return int64(len(d.Summary.DataPoints))
	default:
		return 0
	}
}

// startReceiver serves an otlpReceiver on a loopback port and points the exporters at it.
func startReceiver(t *testing.T, reject bool) *otlpReceiver {
	t.Helper()
	listener, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	recv := &otlpReceiver{reject: reject, points: map[string]int64{}}
	server := grpc.NewServer()
	coltracepb.RegisterTraceServiceServer(server, traceService{otlpReceiver: recv})
	colmetricspb.RegisterMetricsServiceServer(server, metricsService{otlpReceiver: recv})
	collogspb.RegisterLogsServiceServer(server, logsService{otlpReceiver: recv})
	go func() { _ = server.Serve(listener) }()
	t.Cleanup(server.Stop)

	t.Setenv("OTEL_EXPORTER_OTLP_ENDPOINT", "http://"+listener.Addr().String())
	// Only the shutdown flush exports metrics, so the test sees exactly one collection.
	t.Setenv("OTEL_METRIC_EXPORT_INTERVAL", "600000")
	t.Setenv("OTEL_GO_X_DEPRECATED_RUNTIME_METRICS", "true")
	return recv
}

// emitSample sends a few spans, log records and metric points through tel.
func emitSample(t *testing.T, tel *telemetry) {
	t.Helper()
	ctx := t.Context()
	tracer := tel.tracerProvider.Tracer("test")
	logger := otelslog.NewLogger("test", otelslog.WithLoggerProvider(tel.loggerProvider))
	counter, err := tel.meterProvider.Meter("test").Int64Counter("test.requests")
	if err != nil {
		t.Fatal(err)
	}
	for i := range 5 {
		spanCtx, span := tracer.Start(ctx, "work")
		logger.InfoContext(spanCtx, "working", "i", i)
		counter.Add(spanCtx, 1)
		span.End()
	}
}

// TestExportCountsMatchWhatTheCollectorAccepted runs the real OTLP exporters against a
// receiver and checks the counts agree exactly with what it received.
func TestExportCountsMatchWhatTheCollectorAccepted(t *testing.T) {
	recv := startReceiver(t, false)
	counts := newExportCounts()
	tel, err := setupTelemetry(t.Context(), counts)
	if err != nil {
		t.Fatal(err)
	}
	emitSample(t, tel)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := tel.shutdown(ctx); err != nil {
		t.Fatalf("shutdown: %v", err)
	}

	got := counts.snapshot()
	recv.mu.Lock()
	defer recv.mu.Unlock()
	if got.Spans != 5 || recv.spans != 5 {
		t.Errorf("spans: counted %d, received %d, want 5 each", got.Spans, recv.spans)
	}
	if got.LogRecords != 5 || recv.logRecords != 5 {
		t.Errorf("log records: counted %d, received %d, want 5 each", got.LogRecords, recv.logRecords)
	}
	if len(got.MetricDataPoints) != len(recv.points) {
		t.Errorf("metric names: counted %v, received %v", got.MetricDataPoints, recv.points)
	}
	for name, n := range recv.points {
		if got.MetricDataPoints[name] != n {
			t.Errorf("%s: counted %d data points, received %d", name, got.MetricDataPoints[name], n)
		}
	}
	for _, name := range []string{"test.requests", "go.goroutine.count", "process.runtime.go.gc.pause_total_ns"} {
		if recv.points[name] == 0 {
			t.Errorf("no data points received for %s", name)
		}
	}
}

func TestRejectedExportsAreNotCounted(t *testing.T) {
	startReceiver(t, true)
	counts := newExportCounts()
	tel, err := setupTelemetry(t.Context(), counts)
	if err != nil {
		t.Fatal(err)
	}
	emitSample(t, tel)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := tel.shutdown(ctx); err == nil {
		t.Error("shutdown reported no error although every export was rejected")
	}

	got := counts.snapshot()
	if got.Spans != 0 || got.LogRecords != 0 || len(got.MetricDataPoints) != 0 {
		t.Fatalf("counts = %+v, want all zero", got)
	}
}

// TestCurrentConventionsOnlyMode checks what the service exports with the deprecated runtime
// metrics turned off, as a service instrumented at the defaults does: no process.runtime.go.*
// metric (so no GC pause), but the inputs the anomaly worker derives its GC signals from.
func TestCurrentConventionsOnlyMode(t *testing.T) {
	recv := startReceiver(t, false)
	t.Setenv("OTEL_GO_X_DEPRECATED_RUNTIME_METRICS", "false")
	applyOTelEnvDefaults()
	tel, err := setupTelemetry(t.Context(), newExportCounts())
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := tel.shutdown(ctx); err != nil {
		t.Fatalf("shutdown: %v", err)
	}

	recv.mu.Lock()
	defer recv.mu.Unlock()
	for name := range recv.points {
		if strings.HasPrefix(name, "process.runtime.go.") || strings.HasPrefix(name, "runtime.") {
			t.Errorf("deprecated runtime metric %s exported in current-conventions-only mode", name)
		}
	}
	for _, name := range []string{
		"go.goroutine.count", "go.memory.used", "go.memory.allocated",
		"go.memory.gc.goal", "go.config.gogc", "go.schedule.duration",
	} {
		if recv.points[name] == 0 {
			t.Errorf("no data points received for %s", name)
		}
	}
}
