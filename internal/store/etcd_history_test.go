package store_test

import (
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/anishathalye/porcupine"

	"github.com/portolan/portolan/internal/store"
)

// This file records what the clients of the Jepsen-style check did and
// checks it: the reads and compare-and-puts against porcupine's
// linearizability checker (one register per key), and every watcher's
// stream against the writes the store acknowledged.

// regOp is one operation on a key: a read, or a put of Value if the key's
// ModRevision is still Expect (0: the key must be absent).
type regOp struct {
	Key    string
	Read   bool
	Expect int64
	Value  string
}

// regResult is what the store answered. For a read, Found/Value/Rev are
// the key's; for a put, OK means it was applied at Rev.
type regResult struct {
	OK    bool
	Found bool
	Value string
	Rev   int64
}

// register is one key's state in the model: its value and ModRevision.
type register struct {
	Value string
	Rev   int64
}

// registerModel is a compare-and-put register per key, with ModRevision
// as the version compared.
var registerModel = porcupine.Model{
	Partition: func(history []porcupine.Operation) [][]porcupine.Operation {
		byKey := map[string][]porcupine.Operation{}
		var keys []string
		for _, op := range history {
			k := op.Input.(regOp).Key
			if _, ok := byKey[k]; !ok {
				keys = append(keys, k)
			}
			byKey[k] = append(byKey[k], op)
		}
		out := make([][]porcupine.Operation, 0, len(keys))
		for _, k := range keys {
			out = append(out, byKey[k])
		}
		return out
	},
	Init: func() any { return register{} },
	Step: func(state, input, output any) (bool, any) {
		st, in, out := state.(register), input.(regOp), output.(regResult)
		switch {
		case in.Read:
			return out.Found == (st.Rev != 0) && out.Value == st.Value && out.Rev == st.Rev, st
		case out.OK:
			// Revisions only grow: a write lands after the one it replaced.
			return st.Rev == in.Expect && out.Rev > st.Rev, register{Value: in.Value, Rev: out.Rev}
		default:
			return st.Rev != in.Expect, st
		}
	},
	DescribeOperation: func(input, output any) string {
		in, out := input.(regOp), output.(regResult)
		if in.Read {
			return fmt.Sprintf("get(%s) -> %q@%d", in.Key, out.Value, out.Rev)
		}
		return fmt.Sprintf("cas(%s, @%d, %q) -> %v@%d", in.Key, in.Expect, in.Value, out.OK, out.Rev)
	},
}

// written is a compare-and-put whose Commit ended: acknowledged (Rev set),
// refused with ErrConflict, or with another error, when it may or may not
// have landed (maybe).
type written struct {
	op       regOp
	call     int64
	rev      int64
	conflict bool
	maybe    bool
	ret      int64
}

// history is every client's operations, in nanoseconds since it began.
type history struct {
	start time.Time
	mu    sync.Mutex
	reads []porcupine.Operation
	puts  []written
}

func newHistory() *history { return &history{start: time.Now()} }

func (h *history) now() int64 { return int64(time.Since(h.start)) }

func (h *history) read(client int, key string, call int64, kv store.KV, found bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	res := regResult{Found: found}
	if found {
		res.Value, res.Rev = string(kv.Value), kv.ModRevision
	}
	h.reads = append(h.reads, porcupine.Operation{ClientId: client, Input: regOp{Key: key, Read: true}, Call: call, Output: res, Return: h.now()})
}

func (h *history) put(w written) {
	h.mu.Lock()
	defer h.mu.Unlock()
	w.ret = h.now()
	h.puts = append(h.puts, w)
}

// acked returns the acknowledged writes by value, and the ones that may
// have landed.
func (h *history) acked() (acks, maybes map[string]written) {
	acks, maybes = map[string]written{}, map[string]written{}
	for _, w := range h.puts {
		switch {
		case w.maybe:
			maybes[w.op.Value] = w
		case !w.conflict:
			acks[w.op.Value] = w
		}
	}
	return acks, maybes
}

// checkWatchers checks each watcher's stream against the writes: every
// acknowledged write once, at its revision; nothing else but writes whose
// outcome was unknown; revisions strictly rising; and every watcher the
// same stream. It returns the revision each unknown write was seen at.
func checkWatchers(t *testing.T, h *history, seen [][]store.Event) map[string]int64 {
	t.Helper()
	acks, maybes := h.acked()
	landed := map[string]int64{}
	for w, evs := range seen {
		at := map[string]int64{}
		var prev int64
		for _, ev := range evs {
			v := string(ev.KV.Value)
			if ev.Type != store.EventPut || ev.KV.ModRevision <= prev {
				t.Fatalf("watcher %d: %v %s=%q at %d after %d", w, ev.Type, ev.KV.Key, v, ev.KV.ModRevision, prev)
			}
			if _, dup := at[v]; dup {
				t.Fatalf("watcher %d: the write of %q twice", w, v)
			}
			prev, at[v] = ev.KV.ModRevision, ev.KV.ModRevision
			a, isAck := acks[v]
			_, isMaybe := maybes[v]
			switch {
			case isAck && (a.rev != ev.KV.ModRevision || a.op.Key != ev.KV.Key):
				t.Fatalf("watcher %d: %q seen as %s@%d, acknowledged as %s@%d", w, v, ev.KV.Key, ev.KV.ModRevision, a.op.Key, a.rev)
			case isMaybe:
				landed[v] = ev.KV.ModRevision
			case !isAck:
				t.Fatalf("watcher %d: %s=%q at %d was never acknowledged (refused, or never sent)", w, ev.KV.Key, v, ev.KV.ModRevision)
			}
		}
		for v, a := range acks {
			if rev, ok := at[v]; !ok {
				t.Fatalf("watcher %d: acknowledged %s=%q@%d never seen (%d events)", w, a.op.Key, v, a.rev, len(evs))
			} else if rev != a.rev {
				t.Fatalf("watcher %d: acknowledged %q@%d seen at %d", w, v, a.rev, rev)
			}
		}
		if !slices.EqualFunc(evs, seen[0], func(a, b store.Event) bool {
			return a.KV.Key == b.KV.Key && a.KV.ModRevision == b.KV.ModRevision && string(a.KV.Value) == string(b.KV.Value)
		}) {
			t.Fatalf("watcher %d saw %d events, watcher 0 %d, not the same", w, len(evs), len(seen[0]))
		}
	}
	return landed
}

// checkLinearizable hands porcupine the reads and the writes whose outcome
// is known, plus the unknown ones the watchers saw land (as acknowledged
// at that revision, returning at the end of time: they may have taken
// effect any time after their call). An unknown write no watcher saw did
// not happen (the watchers are checked complete first).
func checkLinearizable(t *testing.T, h *history, landed map[string]int64) {
	t.Helper()
	ops := slices.Clone(h.reads)
	for _, w := range h.puts {
		res, ret := regResult{OK: !w.conflict, Rev: w.rev}, w.ret
		if w.maybe {
			rev, ok := landed[w.op.Value]
			if !ok {
				continue
			}
			res, ret = regResult{OK: true, Rev: rev}, int64(1)<<62
		}
		ops = append(ops, porcupine.Operation{Input: w.op, Call: w.call, Output: res, Return: ret})
	}
	switch porcupine.CheckOperationsTimeout(registerModel, ops, 30*time.Second) {
	case porcupine.Illegal:
		t.Fatalf("the %d operations are not linearizable", len(ops))
	case porcupine.Unknown:
		t.Logf("porcupine found no violation in 30s among %d operations (not a proof)", len(ops))
	}
}
