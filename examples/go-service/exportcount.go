package main

import (
	"context"
	"sync"

	sdklog "go.opentelemetry.io/otel/sdk/log"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
)

// exportCounts tallies what the SDK exporters reported as delivered. An exactly-once
// test compares these numbers with what reached storage, so a batch counts only when
// the inner exporter returned nil: failed or abandoned batches must not be counted.
type exportCounts struct {
	mu               sync.Mutex
	metricDataPoints map[string]int64
	logRecords       int64
	spans            int64
}

// exportedSnapshot is the JSON shape served at /debug/exported.
type exportedSnapshot struct {
	MetricDataPoints map[string]int64 `json:"metricDataPoints"`
	LogRecords       int64            `json:"logRecords"`
	Spans            int64            `json:"spans"`
}

func newExportCounts() *exportCounts {
	return &exportCounts{metricDataPoints: map[string]int64{}}
}

func (c *exportCounts) addMetricDataPoints(byName map[string]int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for name, n := range byName {
		c.metricDataPoints[name] += int64(n)
	}
}

func (c *exportCounts) addLogRecords(n int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.logRecords += int64(n)
}

func (c *exportCounts) addSpans(n int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.spans += int64(n)
}

func (c *exportCounts) snapshot() exportedSnapshot {
	c.mu.Lock()
	defer c.mu.Unlock()
	points := make(map[string]int64, len(c.metricDataPoints))
	for name, n := range c.metricDataPoints {
		points[name] = n
	}
	return exportedSnapshot{MetricDataPoints: points, LogRecords: c.logRecords, Spans: c.spans}
}

// countingMetricExporter wraps a metric exporter; every method but Export passes through.
type countingMetricExporter struct {
	sdkmetric.Exporter
	counts *exportCounts
}

func (e countingMetricExporter) Export(ctx context.Context, rm *metricdata.ResourceMetrics) error {
	// Counted before exporting: the reader reuses rm once Export returns.
	points := dataPointsByMetric(rm)
	if err := e.Exporter.Export(ctx, rm); err != nil {
		return err
	}
	e.counts.addMetricDataPoints(points)
	return nil
}

// countingSpanExporter wraps a span exporter; Shutdown passes through.
type countingSpanExporter struct {
	sdktrace.SpanExporter
	counts *exportCounts
}

func (e countingSpanExporter) ExportSpans(ctx context.Context, spans []sdktrace.ReadOnlySpan) error {
	if err := e.SpanExporter.ExportSpans(ctx, spans); err != nil {
		return err
	}
	e.counts.addSpans(len(spans))
	return nil
}

// countingLogExporter wraps a log exporter; Shutdown and ForceFlush pass through.
type countingLogExporter struct {
	sdklog.Exporter
	counts *exportCounts
}

func (e countingLogExporter) Export(ctx context.Context, records []sdklog.Record) error {
	if err := e.Exporter.Export(ctx, records); err != nil {
		return err
	}
	e.counts.addLogRecords(len(records))
	return nil
}

func dataPointsByMetric(rm *metricdata.ResourceMetrics) map[string]int {
	byName := map[string]int{}
	for _, scope := range rm.ScopeMetrics {
		for _, m := range scope.Metrics {
			byName[m.Name] += dataPointCount(m.Data)
		}
	}
	return byName
}

func dataPointCount(data metricdata.Aggregation) int {
	switch d := data.(type) {
	case metricdata.Gauge[int64]:
		return len(d.DataPoints)
	case metricdata.Gauge[float64]:
		return len(d.DataPoints)
	case metricdata.Sum[int64]:
		return len(d.DataPoints)
	case metricdata.Sum[float64]:
		return len(d.DataPoints)
	case metricdata.Histogram[int64]:
		return len(d.DataPoints)
	case metricdata.Histogram[float64]:
		return len(d.DataPoints)
	case metricdata.ExponentialHistogram[int64]:
		return len(d.DataPoints)
	case metricdata.ExponentialHistogram[float64]:
		return len(d.DataPoints)
	case metricdata.Summary:
		return len(d.DataPoints)
	default:
		return 0
	}
}
