package process

import (
	"encoding/json"
	"errors"
	"io/fs"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/portolan/portolan/internal/ecs/runtime"
)

// taskRecord is a provisioned task, persisted so that its address stays
// taken across a server restart.
type taskRecord struct {
	ID        string     `json:"id"`
	Cluster   string     `json:"cluster"`
	Owner     string     `json:"owner"`
	Address   netip.Addr `json:"address"`
	CreatedAt time.Time  `json:"createdAt"`
}

// containerRecord is everything a new Driver needs to find a container again
// and act on it: who it is, how to recognise its process, how it was run
// (for Exec) and, once known, how it ended.
type containerRecord struct {
	ID      string     `json:"id"`
	TaskID  string     `json:"taskId"`
	Cluster string     `json:"cluster"`
	Name    string     `json:"name"`
	Owner   string     `json:"owner"`
	Image   string     `json:"image"`
	Address netip.Addr `json:"address"`
	// Ports are the host ports of a container of a task on the shared
	// address (ModePorts); empty when its ports are its own.
	Ports []runtime.PortBinding `json:"ports,omitempty"`
	Argv  []string              `json:"argv"`
	Dir   string                `json:"dir"`
	Env   []string              `json:"env"`
	// PID is 0 until the process has started: a record without one is a
	// start the server did not live to finish.
	PID        int                 `json:"pid"`
	StartTicks uint64              `json:"startTicks"`
	StartedAt  time.Time           `json:"startedAt"`
	Exit       *runtime.ExitStatus `json:"exit,omitempty"`
}

func (d *Driver) tasksDir() string              { return filepath.Join(d.cfg.StateDir, "tasks") }
func (d *Driver) taskPath(id string) string     { return filepath.Join(d.tasksDir(), id+".json") }
func (d *Driver) containersDir() string         { return filepath.Join(d.cfg.StateDir, "containers") }
func (d *Driver) containerDir(id string) string { return filepath.Join(d.containersDir(), id) }
func (d *Driver) containerPath(id string) string {
	return filepath.Join(d.containerDir(id), "container.json")
}

func (d *Driver) logPath(id string, s runtime.Stream) string {
	return filepath.Join(d.containerDir(id), s.String()+".log")
}

// containerID is the ID of container name of task taskID. Both are
// validated names, so the ID is a safe file name.
func containerID(taskID, name string) string { return taskID + "-" + name }

func readJSON(path string, v any) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	return json.Unmarshal(b, v)
}

// writeJSON replaces path with v's JSON atomically and durably: a crash
// leaves either the old record or the new one, never a torn one.
func writeJSON(path string, v any) error {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	dir := filepath.Dir(path)
	f, err := os.CreateTemp(dir, ".tmp-*")
	if err != nil {
		return err
	}
	defer os.Remove(f.Name())
	if _, err := f.Write(append(b, '\n')); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	if err := os.Rename(f.Name(), path); err != nil {
		return err
	}
	return syncDir(dir)
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}

func (d *Driver) readTask(id string) (taskRecord, error) {
	var t taskRecord
	err := readJSON(d.taskPath(id), &t)
	if errors.Is(err, fs.ErrNotExist) {
		return t, &runtime.NotFoundError{Kind: "task", ID: id}
	}
	return t, err
}

func (d *Driver) readTasks() ([]taskRecord, error) {
	ents, err := os.ReadDir(d.tasksDir())
	if err != nil {
		return nil, err
	}
	var out []taskRecord
	for _, e := range ents {
		id, ok := strings.CutSuffix(e.Name(), ".json")
		if !ok || strings.HasPrefix(e.Name(), ".") {
			continue
		}
		t, err := d.readTask(id)
		if err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	return out, nil
}

func (d *Driver) readContainer(id string) (containerRecord, error) {
	var c containerRecord
	err := readJSON(d.containerPath(id), &c)
	if errors.Is(err, fs.ErrNotExist) {
		return c, &runtime.NotFoundError{Kind: "container", ID: id}
	}
	return c, err
}

// readContainers returns the records of every container directory. A
// directory without a record is a start in progress (or one that died before
// its first write, which left nothing to report) and is skipped.
func (d *Driver) readContainers() ([]containerRecord, error) {
	ents, err := os.ReadDir(d.containersDir())
	if err != nil {
		return nil, err
	}
	var out []containerRecord
	for _, e := range ents {
		if !e.IsDir() {
			continue
		}
		c, err := d.readContainer(e.Name())
		var nf *runtime.NotFoundError
		if errors.As(err, &nf) {
			continue
		}
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, nil
}
