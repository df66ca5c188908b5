package windows

import (
	"testing"

	"github.com/portolan/portolan/internal/buildcheck"
)

func TestWindowsAMD64(t *testing.T) { buildcheck.Check(t, "windows", "amd64") }
