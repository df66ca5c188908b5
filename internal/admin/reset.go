package admin

import (
	"encoding/json"
	"errors"
	"net/http"
	"time"
)

// ErrBadReset marks a reset request that names no service there is.
var ErrBadReset = errors.New("bad reset request")

// serveReset empties state for a test suite's next test: every service's,
// or the one ?service names. It answers 200 with what it reset and how
// long it took once the state is gone and every task it ran is stopped.
func (a *Admin) serveReset(w http.ResponseWriter, r *http.Request) {
	service := r.URL.Query().Get("service")
	start := time.Now()
	err := a.reset(r.Context(), service)
	switch {
	case errors.Is(err, ErrBadReset):
		jsonError(w, http.StatusBadRequest, err.Error())
		return
	case err != nil:
		a.log.Error("reset", "service", service, "err", err)
		jsonError(w, http.StatusInternalServerError, err.Error())
		return
	}
	if service == "" {
		service = "*"
	}
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(map[string]any{"reset": service, "milliseconds": time.Since(start).Milliseconds()})
}
