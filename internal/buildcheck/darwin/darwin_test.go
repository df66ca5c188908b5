package darwin

import (
	"testing"

	"github.com/portolan/portolan/internal/buildcheck"
)

func TestDarwinAMD64(t *testing.T) { buildcheck.Check(t, "darwin", "amd64") }
func TestDarwinARM64(t *testing.T) { buildcheck.Check(t, "darwin", "arm64") }
