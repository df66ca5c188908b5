package darwinamd64

import (
	"testing"

	"github.com/portolan/portolan/internal/buildcheck"
)

func TestDarwinAMD64(t *testing.T) { buildcheck.Check(t, "darwin", "amd64") }
