package main

import (
	"sync"
	"sync/atomic"
	"time"
)

// latencyFault adds a fixed delay to every normal request while it is set.
type latencyFault struct {
	extra atomic.Int64 // nanoseconds
}

func (f *latencyFault) set(d time.Duration) { f.extra.Store(int64(d)) }

func (f *latencyFault) delay() time.Duration { return time.Duration(f.extra.Load()) }

// goroutineLeak starts goroutines at a steady rate that block until released, the way
// a forgotten channel receive leaks them in a real service.
type goroutineLeak struct {
	mu          sync.Mutex
	stopSpawner chan struct{} // nil while no spawner runs
	spawnerDone chan struct{}
	release     chan struct{} // closed to free every leaked goroutine
	leaked      sync.WaitGroup
	active      atomic.Int64
}

// start leaks perSecond goroutines a second until stop. Calling it again while leaking
// changes the rate and keeps the goroutines already leaked.
func (l *goroutineLeak) start(perSecond int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.stopSpawnerLocked()
	if l.release == nil {
		l.release = make(chan struct{})
	}
	l.stopSpawner = make(chan struct{})
	l.spawnerDone = make(chan struct{})
	go l.spawn(time.Second/time.Duration(perSecond), l.stopSpawner, l.spawnerDone, l.release)
}

// stop ends the leak and returns once every leaked goroutine has exited.
func (l *goroutineLeak) stop() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.stopSpawnerLocked()
	if l.release != nil {
		close(l.release)
		l.release = nil
	}
	l.leaked.Wait()
}

// leaking reports how many leaked goroutines are alive.
func (l *goroutineLeak) leaking() int64 { return l.active.Load() }

func (l *goroutineLeak) stopSpawnerLocked() {
	if l.stopSpawner == nil {
		return
	}
	close(l.stopSpawner)
	<-l.spawnerDone
	l.stopSpawner, l.spawnerDone = nil, nil
}

func (l *goroutineLeak) spawn(every time.Duration, stop <-chan struct{}, done chan<- struct{}, release <-chan struct{}) {
	defer close(done)
	ticker := time.NewTicker(every)
	defer ticker.Stop()
	for {
		select {
		case <-stop:
			return
		case <-ticker.C:
			l.active.Add(1)
			l.leaked.Go(func() {
				<-release
				l.active.Add(-1)
			})
		}
	}
}

// gcPressure allocates at a steady rate and keeps a window of recent allocations
// alive: the heap grows to the window's size and the GC runs far more often.
type gcPressure struct {
	mu     sync.Mutex
	halt   chan struct{} // nil while idle
	halted chan struct{}
}

// chunkBytes is the size of one allocation unit, made of chunkObjects small objects.
const (
	chunkObjects = 1024
	chunkBytes   = chunkObjects * 256
)

// start allocates mbPerSecond MiB a second and keeps the last retainMB MiB reachable.
// Calling it again restarts the storm with the new settings.
func (g *gcPressure) start(mbPerSecond, retainMB int) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.stopLocked()
	g.halt = make(chan struct{})
	g.halted = make(chan struct{})
	go allocate(mbPerSecond, retainMB, g.halt, g.halted)
}

// stop ends the storm; the retained memory becomes garbage for the next collection.
func (g *gcPressure) stop() {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.stopLocked()
}

func (g *gcPressure) stopLocked() {
	if g.halt == nil {
		return
	}
	close(g.halt)
	<-g.halted
	g.halt, g.halted = nil, nil
}

const allocTick = 10 * time.Millisecond

func allocate(mbPerSecond, retainMB int, stop <-chan struct{}, done chan<- struct{}) {
	defer close(done)
	chunksPerSecond := float64(mbPerSecond) * (1 << 20) / chunkBytes
	window := make([][]*[256]byte, max(1, retainMB*(1<<20)/chunkBytes))
	ticker := time.NewTicker(allocTick)
	defer ticker.Stop()
	start := time.Now()
	for allocated := 0; ; {
		select {
		case <-stop:
			return
		case now := <-ticker.C:
			// Catch up with the rate instead of allocating a fixed amount per tick, so
			// low rates and late ticks both come out right.
			for due := int(now.Sub(start).Seconds() * chunksPerSecond); allocated < due; allocated++ {
				window[allocated%len(window)] = allocChunk()
			}
		}
	}
}

// allocChunk builds a chunk from many small objects behind pointers: the GC must trace
// each one, which costs it far more than one large pointer-free slice would.
func allocChunk() []*[256]byte {
	chunk := make([]*[256]byte, chunkObjects)
	for i := range chunk {
		obj := new([256]byte)
		obj[0] = byte(i)
		chunk[i] = obj
	}
	return chunk
}
