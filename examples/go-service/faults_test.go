package main

import (
	"net/http"
	"runtime"
	"testing"
	"time"
)

// waitFor polls cond until it holds or the deadline passes.
func waitFor(t *testing.T, within time.Duration, cond func() bool) bool {
	t.Helper()
	deadline := time.Now().Add(within)
	for time.Now().Before(deadline) {
		if cond() {
			return true
		}
		time.Sleep(10 * time.Millisecond)
	}
	return cond()
}

func TestGoroutineLeakGrowsUntilStoppedThenReleases(t *testing.T) {
	var leak goroutineLeak
	t.Cleanup(leak.stop)
	baseline := runtime.NumGoroutine()

	leak.start(1000)
	if !waitFor(t, 5*time.Second, func() bool { return runtime.NumGoroutine() >= baseline+100 }) {
		t.Fatalf("goroutines %d, want ≥ %d while leaking", runtime.NumGoroutine(), baseline+100)
	}
	leak.stop()

	if n := runtime.NumGoroutine(); n > baseline+2 {
		t.Fatalf("goroutines %d after stop, want back near the baseline %d", n, baseline)
	}
	time.Sleep(50 * time.Millisecond)
	if n := runtime.NumGoroutine(); n > baseline+2 {
		t.Fatalf("goroutines grew to %d after stop (baseline %d)", n, baseline)
	}
}

func TestGoroutineLeakRestartKeepsLeakedGoroutines(t *testing.T) {
	var leak goroutineLeak
	t.Cleanup(leak.stop)

	leak.start(1000)
	if !waitFor(t, 5*time.Second, func() bool { return leak.leaking() >= 20 }) {
		t.Fatalf("leaked %d, want ≥ 20", leak.leaking())
	}
	before := leak.leaking()
	leak.start(1)
	if leak.leaking() < before {
		t.Fatalf("changing the rate released goroutines: %d → %d", before, leak.leaking())
	}
	leak.stop()
	if leak.leaking() != 0 {
		t.Fatalf("%d leaked goroutines still alive after stop", leak.leaking())
	}
}

func TestGCPressureRunsCollectionsUntilStopped(t *testing.T) {
	var gc gcPressure
	t.Cleanup(gc.stop)
	baseline := runtime.NumGoroutine()
	var before runtime.MemStats
	runtime.ReadMemStats(&before)

	gc.start(200, 8)
	collected := waitFor(t, 5*time.Second, func() bool {
		var now runtime.MemStats
		runtime.ReadMemStats(&now)
		return now.NumGC >= before.NumGC+3
	})
	gc.stop()

	if !collected {
		t.Fatal("fewer than 3 collections during the allocation storm")
	}
	if n := runtime.NumGoroutine(); n > baseline {
		t.Fatalf("allocator still running after stop: %d goroutines, baseline %d", n, baseline)
	}
}

func TestLatencyFaultSlowsOrders(t *testing.T) {
	a, _, _ := testApp(t)
	h := a.handler()

	if rec := serve(t, h, http.MethodPost, "/fault/latency?ms=120"); rec.Code != http.StatusOK {
		t.Fatalf("POST /fault/latency: %d %s", rec.Code, rec.Body)
	}
	start := time.Now()
	serve(t, h, http.MethodGet, "/api/orders/7")
	if took := time.Since(start); took < 120*time.Millisecond {
		t.Fatalf("order took %v with 120 ms latency fault", took)
	}

	serve(t, h, http.MethodDelete, "/fault/latency")
	start = time.Now()
	serve(t, h, http.MethodGet, "/api/orders/7")
	if took := time.Since(start); took >= 100*time.Millisecond {
		t.Fatalf("order took %v after the latency fault was cleared", took)
	}
}

func TestFaultEndpointsRejectBadParameters(t *testing.T) {
	a, _, _ := testApp(t)
	h := a.handler()
	for _, target := range []string{
		"/fault/goroutine-leak?rate=0",
		"/fault/goroutine-leak?rate=many",
		"/fault/gc-pressure?mbps=-1",
		"/fault/gc-pressure?retainMB=99999",
		"/fault/latency?ms=abc",
	} {
		if rec := serve(t, h, http.MethodPost, target); rec.Code != http.StatusBadRequest {
			t.Errorf("POST %s: status %d, want 400", target, rec.Code)
		}
	}
}

func TestFaultEndpointsToggleGoroutineLeak(t *testing.T) {
	a, _, _ := testApp(t)
	h := a.handler()
	t.Cleanup(a.leak.stop)

	if rec := serve(t, h, http.MethodPost, "/fault/goroutine-leak?rate=500"); rec.Code != http.StatusOK {
		t.Fatalf("POST: %d %s", rec.Code, rec.Body)
	}
	if !waitFor(t, 5*time.Second, func() bool { return a.leak.leaking() >= 10 }) {
		t.Fatalf("leaked %d goroutines, want ≥ 10", a.leak.leaking())
	}
	if rec := serve(t, h, http.MethodDelete, "/fault/goroutine-leak"); rec.Code != http.StatusOK {
		t.Fatalf("DELETE: %d %s", rec.Code, rec.Body)
	}
	if a.leak.leaking() != 0 {
		t.Fatalf("%d leaked goroutines alive after DELETE", a.leak.leaking())
	}
}
