package main

import (
	"context"
	"errors"
	"testing"

	sdklog "go.opentelemetry.io/otel/sdk/log"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
)

var errExport = errors.New("collector said no")

// Stub inner exporters that return a fixed result.

type stubMetricExporter struct {
	sdkmetric.Exporter // only Export is called
	err                error
}

func (s stubMetricExporter) Export(context.Context, *metricdata.ResourceMetrics) error { return s.err }

type stubSpanExporter struct {
	sdktrace.SpanExporter // only ExportSpans is called
	err                   error
}

func (s stubSpanExporter) ExportSpans(context.Context, []sdktrace.ReadOnlySpan) error { return s.err }

type stubLogExporter struct {
	sdklog.Exporter // only Export is called
	err             error
}

func (s stubLogExporter) Export(context.Context, []sdklog.Record) error { return s.err }

func sampleMetrics() *metricdata.ResourceMetrics {
	return &metricdata.ResourceMetrics{ScopeMetrics: []metricdata.ScopeMetrics{
		{Metrics: []metricdata.Metrics{
			{Name: "go.goroutine.count", Data: metricdata.Gauge[int64]{
				DataPoints: []metricdata.DataPoint[int64]{{Value: 1}, {Value: 2}},
			}},
			{Name: "http.server.request.duration", Data: metricdata.Histogram[float64]{
				DataPoints: []metricdata.HistogramDataPoint[float64]{{}, {}, {}},
			}},
		}},
		{Metrics: []metricdata.Metrics{
			{Name: "go.goroutine.count", Data: metricdata.Gauge[int64]{
				DataPoints: []metricdata.DataPoint[int64]{{Value: 3}},
			}},
			{Name: "process.runtime.go.gc.pause_total_ns", Data: metricdata.Sum[int64]{
				DataPoints: []metricdata.DataPoint[int64]{{Value: 4}},
			}},
		}},
	}}
}

func TestCountingMetricExporterCountsDataPointsOnlyOnSuccess(t *testing.T) {
	counts := newExportCounts()
	failing := countingMetricExporter{stubMetricExporter{err: errExport}, counts}
	if err := failing.Export(t.Context(), sampleMetrics()); !errors.Is(err, errExport) {
		t.Fatalf("Export error = %v, want the inner error", err)
	}
	if got := counts.snapshot().MetricDataPoints; len(got) != 0 {
		t.Fatalf("after a failed export, counts = %v, want none", got)
	}

	ok := countingMetricExporter{stubMetricExporter{}, counts}
	for range 2 {
		if err := ok.Export(t.Context(), sampleMetrics()); err != nil {
			t.Fatal(err)
		}
	}
	want := map[string]int64{
		"go.goroutine.count":                   6,
		"http.server.request.duration":         6,
		"process.runtime.go.gc.pause_total_ns": 2,
	}
	got := counts.snapshot().MetricDataPoints
	if len(got) != len(want) {
		t.Fatalf("counts = %v, want %v", got, want)
	}
	for name, n := range want {
		if got[name] != n {
			t.Errorf("%s: %d data points, want %d", name, got[name], n)
		}
	}
}

func TestCountingSpanExporterCountsOnlyOnSuccess(t *testing.T) {
	counts := newExportCounts()
	spans := tracetest.SpanStubs{{Name: "a"}, {Name: "b"}, {Name: "c"}}.Snapshots()

	if err := (countingSpanExporter{stubSpanExporter{err: errExport}, counts}).ExportSpans(t.Context(), spans); !errors.Is(err, errExport) {
		t.Fatalf("ExportSpans error = %v, want the inner error", err)
	}
	if err := (countingSpanExporter{stubSpanExporter{}, counts}).ExportSpans(t.Context(), spans); err != nil {
		t.Fatal(err)
	}
	if got := counts.snapshot().Spans; got != 3 {
		t.Fatalf("spans = %d, want 3 (only the successful batch)", got)
	}
}

func TestCountingLogExporterCountsOnlyOnSuccess(t *testing.T) {
	counts := newExportCounts()
	records := make([]sdklog.Record, 4)

	if err := (countingLogExporter{stubLogExporter{err: errExport}, counts}).Export(t.Context(), records); !errors.Is(err, errExport) {
		t.Fatalf("Export error = %v, want the inner error", err)
	}
	if err := (countingLogExporter{stubLogExporter{}, counts}).Export(t.Context(), records); err != nil {
		t.Fatal(err)
	}
	if got := counts.snapshot().LogRecords; got != 4 {
		t.Fatalf("log records = %d, want 4 (only the successful batch)", got)
	}
}

func TestSnapshotIsACopy(t *testing.T) {
	counts := newExportCounts()
	counts.addMetricDataPoints(map[string]int{"m": 1})
	snap := counts.snapshot()
	counts.addMetricDataPoints(map[string]int{"m": 1})
	if snap.MetricDataPoints["m"] != 1 {
		t.Fatalf("snapshot changed after a later export: %v", snap.MetricDataPoints)
	}
}
