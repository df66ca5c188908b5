package server

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"sync"

	"github.com/portolan/portolan/internal/stack"
)

// Stack deployments are served on the api address under /_portolan/stacks:
// `portolan deploy` and `portolan destroy` are thin clients of it, and the
// deploy itself runs here, through the services' Go APIs. Progress streams
// back as one JSON event per line; the last line is the outcome.

// StackRequest is the body of a deploy.
type StackRequest struct {
	Template   string            `json:"template"`
	Parameters map[string]string `json:"parameters,omitempty"`
	Images     map[string]string `json:"images,omitempty"`
}

// StackResult is the last line of a streamed deploy or destroy.
type StackResult struct {
	Stack *stack.Stack `json:"stack,omitempty"`
	Error string       `json:"error,omitempty"`
}

// lineStream writes NDJSON lines and flushes each, so the client prints
// progress as it happens.
type lineStream struct {
	mu sync.Mutex
	w  http.ResponseWriter
	e  *json.Encoder
}

func newLineStream(w http.ResponseWriter) *lineStream {
	w.Header().Set("Content-Type", "application/x-ndjson")
	return &lineStream{w: w, e: json.NewEncoder(w)}
}

func (s *lineStream) send(v any) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.e.Encode(v)
	if f, ok := s.w.(http.Flusher); ok {
		f.Flush()
	}
}

// authenticated holds the stack endpoints to the same SigV4 rule as the
// AWS APIs: with credentials configured, a request must be signed.
func (s *Server) authenticated(h http.HandlerFunc) http.HandlerFunc {
	if s.mux.Authenticate == nil {
		return h
	}
	return func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, 8<<20))
		if err != nil {
			http.Error(w, `{"message":"request body too large"}`, http.StatusRequestEntityTooLarge)
			return
		}
		if err := s.mux.Authenticate(r, body); err != nil {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusForbidden)
			json.NewEncoder(w).Encode(map[string]string{"message": err.Error()})
			return
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		h(w, r)
	}
}

func (s *Server) deployStack(w http.ResponseWriter, r *http.Request) {
	var req StackRequest
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 8<<20)).Decode(&req); err != nil {
		http.Error(w, `{"error":"malformed request"}`, http.StatusBadRequest)
		return
	}
	out := newLineStream(w)
	st, err := s.Stacks.Deploy(r.Context(), stack.DeployInput{StackName: r.PathValue("name"), Template: []byte(req.Template), Parameters: req.Parameters, Images: req.Images},
		func(ev stack.Event) { out.send(map[string]any{"event": ev}) })
	res := StackResult{Stack: st}
	if err != nil {
		res.Error = err.Error()
	}
	out.send(res)
}

func (s *Server) destroyStack(w http.ResponseWriter, r *http.Request) {
	out := newLineStream(w)
	err := s.Stacks.Destroy(r.Context(), r.PathValue("name"), func(ev stack.Event) { out.send(map[string]any{"event": ev}) })
	res := StackResult{}
	if err != nil {
		res.Error = err.Error()
	}
	out.send(res)
}

func (s *Server) listStacks(w http.ResponseWriter, r *http.Request) {
	stacks, err := s.Stacks.List(r.Context())
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(stacks)
}
