package main

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"

	"go.opentelemetry.io/contrib/bridges/otelslog"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/log"
	sdklog "go.opentelemetry.io/otel/sdk/log"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
)

// luhnValid is written independently of luhnCheckDigit so the two check each other.
func luhnValid(number string) bool {
	digits := strings.ReplaceAll(number, " ", "")
	sum := 0
	for i := range len(digits) {
		d := int(digits[len(digits)-1-i] - '0')
		if d < 0 || d > 9 {
			return false
		}
		if i%2 == 1 {
			d *= 2
			if d > 9 {
				d -= 9
			}
		}
		sum += d
	}
	return len(digits) > 0 && sum%10 == 0
}

func TestLuhnCheckDigitKnownNumbers(t *testing.T) {
	for _, card := range []string{"4111111111111111", "5555555555554444", "4012888888881881"} {
		if got := luhnCheckDigit(card[:15]); got != int(card[15]-'0') {
			t.Errorf("check digit for %s = %d, want %c", card[:15], got, card[15])
		}
	}
	if luhnValid("4111111111111112") {
		t.Error("luhnValid accepted a wrong check digit")
	}
}

func TestGeneratedValuesHaveTheirShapesAndAreNeverReused(t *testing.T) {
	shapes := map[string]*regexp.Regexp{
		"email":      regexp.MustCompile(`^[a-z]+\.[a-z]+\d+@[a-z.]+$`),
		"phoneUS":    regexp.MustCompile(`^\+1[2-9]\d{2}[2-9]\d{6}$`),
		"phoneCN":    regexp.MustCompile(`^\+86 1[3-9]\d \d{4} \d{4}$`),
		"card":       regexp.MustCompile(`^(4|5[1-5])\d{14,15}$`),
		"cardSpaced": regexp.MustCompile(`^\d{4} \d{4} \d{4} \d{4}$`),
		"token":      regexp.MustCompile(`^[A-Za-z0-9]{40}$`),
		"orderID":    regexp.MustCompile(`^ord-[a-z]{10}$`),
	}
	gen := newPIIGenerator(42)
	seen := map[string]bool{}
	for range 500 {
		r := gen.next()
		fields := map[string]string{
			"email": r.Email, "phoneUS": r.PhoneUS, "phoneCN": r.PhoneCN, "card": r.Card,
			"cardSpaced": r.CardSpaced, "token": r.BearerToken, "orderID": r.OrderID,
		}
		for field, v := range fields {
			if !shapes[field].MatchString(v) {
				t.Fatalf("%s %q has the wrong shape", field, v)
			}
		}
		if len(r.Card) != 16 || !luhnValid(r.Card) || !luhnValid(r.CardSpaced) {
			t.Fatalf("card %q / %q is not a valid 16-digit Luhn number", r.Card, r.CardSpaced)
		}
		if strings.ReplaceAll(r.CardSpaced, " ", "") != r.Card {
			t.Fatalf("spaced card %q is not %q", r.CardSpaced, r.Card)
		}
		for _, v := range append(r.personal(), r.OrderID) {
			if seen[v] {
				t.Fatalf("value %q was handed out twice", v)
			}
			seen[v] = true
		}
	}
}

func TestSameSeedSameValues(t *testing.T) {
	if a, b := newPIIGenerator(7).next(), newPIIGenerator(7).next(); a != b {
		t.Fatalf("seed 7 gave %+v then %+v", a, b)
	}
}

// recordingLogExporter keeps every log record it is given.
type recordingLogExporter struct {
	mu      sync.Mutex
	records []sdklog.Record
}

func (e *recordingLogExporter) Export(_ context.Context, records []sdklog.Record) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	for _, r := range records {
		e.records = append(e.records, r.Clone())
	}
	return nil
}

func (e *recordingLogExporter) Shutdown(context.Context) error   { return nil }
func (e *recordingLogExporter) ForceFlush(context.Context) error { return nil }

// testApp is an app whose spans and logs land in memory, synchronously.
func testApp(t *testing.T) (*app, *tracetest.InMemoryExporter, *recordingLogExporter) {
	t.Helper()
	spans := tracetest.NewInMemoryExporter()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSyncer(spans))
	logs := &recordingLogExporter{}
	lp := sdklog.NewLoggerProvider(sdklog.WithProcessor(sdklog.NewSimpleProcessor(logs)))
	mp := sdkmetric.NewMeterProvider()
	t.Cleanup(func() {
		ctx := context.Background()
		_ = tp.Shutdown(ctx)
		_ = lp.Shutdown(ctx)
		_ = mp.Shutdown(ctx)
	})
	logger := otelslog.NewLogger(scopeName, otelslog.WithLoggerProvider(lp))
	return newApp(logger, tp, mp, newExportCounts(), 1), spans, logs
}

func serve(t *testing.T, h http.Handler, method, target string) *httptest.ResponseRecorder {
	t.Helper()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(method, target, nil))
	return rec
}

func TestFaultPIIIsSentAndListedInDebugSent(t *testing.T) {
	a, spans, logs := testApp(t)
	h := a.handler()

	var sentRecords []piiRecord
	for range 3 {
		rec := serve(t, h, http.MethodPost, "/fault/pii")
		if rec.Code != http.StatusOK {
			t.Fatalf("POST /fault/pii: %d %s", rec.Code, rec.Body)
		}
		var resp struct{ Sent piiRecord }
		if err := json.Unmarshal(rec.Body.Bytes(), &resp); err != nil {
			t.Fatal(err)
		}
		sentRecords = append(sentRecords, resp.Sent)
	}

	var listed sentSnapshot
	if err := json.Unmarshal(serve(t, h, http.MethodGet, "/debug/sent").Body.Bytes(), &listed); err != nil {
		t.Fatal(err)
	}
	for _, r := range sentRecords {
		for _, v := range r.personal() {
			if !slices.Contains(listed.PII, v) {
				t.Errorf("personal value %q missing from /debug/sent", v)
			}
		}
		for _, v := range r.nonPersonal() {
			if !slices.Contains(listed.NonPII, v) {
				t.Errorf("non-personal value %q missing from /debug/sent", v)
			}
		}
	}

	assertSpanCarries(t, spans.GetSpans(), sentRecords[0])
	assertLogCarries(t, logs, sentRecords[0])
}

func assertSpanCarries(t *testing.T, spans tracetest.SpanStubs, r piiRecord) {
	t.Helper()
	for _, s := range spans {
		attrs := attribute.NewSet(s.Attributes...)
		if v, ok := attrs.Value("user.email"); !ok || v.AsString() != r.Email {
			continue
		}
		want := map[attribute.Key]string{
			"user.phone": r.PhoneUS, "user.mobile": r.PhoneCN, "payment.card.number": r.Card,
			"order.id": r.OrderID, "feature": r.Feature,
		}
		for k, wantV := range want {
			if v, _ := attrs.Value(k); v.AsString() != wantV {
				t.Errorf("span attribute %s = %q, want %q", k, v.AsString(), wantV)
			}
		}
		if v, _ := attrs.Value("http.request.header.authorization"); !slices.Equal(v.AsStringSlice(), []string{"Bearer " + r.BearerToken}) {
			t.Errorf("span authorization header = %v", v.AsStringSlice())
		}
		return
	}
	t.Fatalf("no span carries email %q", r.Email)
}

func assertLogCarries(t *testing.T, logs *recordingLogExporter, r piiRecord) {
	t.Helper()
	logs.mu.Lock()
	defer logs.mu.Unlock()
	for _, rec := range logs.records {
		body := rec.Body().AsString()
		if !strings.Contains(body, r.Email) {
			continue
		}
		if rec.Severity() != log.SeverityError {
			t.Errorf("PII log severity = %v, want ERROR", rec.Severity())
		}
		for _, v := range []string{r.PhoneUS, r.PhoneCN, r.CardSpaced} {
			if !strings.Contains(body, v) {
				t.Errorf("log body %q lacks %q", body, v)
			}
		}
		attrs := map[string]string{}
		rec.WalkAttributes(func(kv attribute.KeyValue) bool {
			attrs[string(kv.Key)] = kv.Value.Emit()
			return true
		})
		for _, k := range []string{"user.email", "payment.card.number", "http.request.header.authorization", "order.id", "feature"} {
			if attrs[k] == "" {
				t.Errorf("log record lacks attribute %s (has %v)", k, attrs)
			}
		}
		if !strings.Contains(attrs["http.request.header.authorization"], r.BearerToken) {
			t.Errorf("authorization attribute %q lacks the token", attrs["http.request.header.authorization"])
		}
		if !rec.TraceID().IsValid() {
			t.Error("PII log record is not tied to the request's trace")
		}
		return
	}
	t.Fatalf("no log record mentions %q", r.Email)
}
