package httpserve

import "net/http"

// Head is the head of an answer relayed from elsewhere, an upstream
// server's, handed over as wire bytes so that a proxy need not build a
// header map only for the server to walk it again.
type Head struct {
	// Fields are the header lines, "Name: value\r\n" each: valid names,
	// values without CR, LF or other controls but tab, and no framing or
	// hop-by-hop field (Content-Length, Transfer-Encoding, Connection and
	// those it names, Keep-Alive, ...): the server frames the answer.
	Fields []byte
	// ContentLength is declared as the answer's Content-Length, as a
	// handler's Content-Length header would be; -1: none.
	ContentLength int64
	// Which of the fields the server would otherwise add or derive.
	HasDate, HasContentType, HasContentEncoding bool
}

// HeadRelayer is implemented by the server's http.ResponseWriter.
type HeadRelayer interface {
	// RelayHead is WriteHeader for a final (non-1xx) status with the
	// header h added after the fields of the writer's Header map (the
	// proxy's own, such as a request ID), which must not repeat h's.
	// The fields are copied: h need not outlive the call.
	RelayHead(code int, h Head)
}

var _ HeadRelayer = (*response)(nil)

func (w *response) RelayHead(code int, h Head) {
	if w.hijacked || w.wroteHeader {
		return
	}
	if code < 200 || code > 999 {
		panic("invalid RelayHead code")
	}
	w.wroteHeader, w.status = true, code
	w.bodyOK = bodyAllowed(code)
	w.declared = h.ContentLength
	h.Fields = append(w.relayed.Fields[:0], h.Fields...)
	w.relay, w.relayed = true, h
}

// Reused returns the *T kept for w's connection, made and kept there if
// the connection holds none (or holds another type); a new *T, kept
// nowhere, when w is not the server's. A handler keeps there memory its
// answers refer to (the header values it sets), to reuse it for the
// connection's next request instead of allocating it for each. The
// server serves a connection's requests one at a time and has written an
// answer's head before it reads the next request, so what the last
// answer's fields pointed into is free again when the handler runs next.
// Memory that something keeps past the answer (a tracer's span
// attributes) must not live there.
func Reused[T any](w http.ResponseWriter) *T {
	rw, ok := w.(*response)
	if !ok {
		return new(T)
	}
	v, ok := rw.c.slot.(*T)
	if !ok {
		v = new(T)
		rw.c.slot = v
	}
	return v
}
