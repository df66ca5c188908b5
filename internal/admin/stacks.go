package admin

import (
	"encoding/json"
	"net/http"

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

func (a *Admin) deployStack(w http.ResponseWriter, r *http.Request) {
	var req StackRequest
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 8<<20)).Decode(&req); err != nil {
		http.Error(w, `{"error":"malformed request"}`, http.StatusBadRequest)
		return
	}
	out := newLineStream(w)
	st, err := a.stacks.Deploy(r.Context(), stack.DeployInput{StackName: r.PathValue("name"), Template: []byte(req.Template), Parameters: req.Parameters, Images: req.Images},
		func(ev stack.Event) { out.send(map[string]any{"event": ev}) })
	res := StackResult{Stack: st}
	if err != nil {
		res.Error = err.Error()
	}
	out.send(res)
}

func (a *Admin) destroyStack(w http.ResponseWriter, r *http.Request) {
	out := newLineStream(w)
	err := a.stacks.Destroy(r.Context(), r.PathValue("name"), func(ev stack.Event) { out.send(map[string]any{"event": ev}) })
	res := StackResult{}
	if err != nil {
		res.Error = err.Error()
	}
	out.send(res)
}

func (a *Admin) listStacks(w http.ResponseWriter, r *http.Request) {
	stacks, err := a.stacks.List(r.Context())
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(stacks)
}
