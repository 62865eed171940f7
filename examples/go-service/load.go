package main

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"sync"
	"time"
)

// maxInFlight caps concurrent load requests: when the latency fault slows every call
// down, the loop skips ticks instead of piling up goroutines, which would look like
// a goroutine leak of its own.
const maxInFlight = 32

// runLoad calls the service's own endpoints rps times a second until ctx ends, so
// there are request-latency histograms and client→server traces with no outside
// traffic. It returns once the requests in flight have finished.
func runLoad(ctx context.Context, client *http.Client, baseURL string, rps float64) {
	ticker := time.NewTicker(time.Duration(float64(time.Second) / rps))
	defer ticker.Stop()
	slots := make(chan struct{}, maxInFlight)
	var inFlight sync.WaitGroup
	defer inFlight.Wait()
	for {
		select {
		case <-ctx.Done():
			return
		case <-ticker.C:
			select {
			case slots <- struct{}{}:
				inFlight.Go(func() {
					defer func() { <-slots }()
					callOnce(client, baseURL+loadPath())
				})
			default:
			}
		}
	}
}

// loadPath mixes order look-ups with the index page.
func loadPath() string {
	if rand.IntN(5) == 0 {
		return "/"
	}
	return fmt.Sprintf("/api/orders/%d", rand.IntN(1000))
}

// callOnce makes one request. It is not tied to the shutdown signal, so calls in
// flight finish normally; failures are already recorded on the client span, which is
// all the load is for.
func callOnce(client *http.Client, url string) {
	resp, err := client.Get(url)
	if err != nil {
		return
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, resp.Body)
}
