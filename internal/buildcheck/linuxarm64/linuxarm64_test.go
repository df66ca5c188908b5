package linuxarm64

import (
	"testing"

	"github.com/portolan/portolan/internal/buildcheck"
)

func TestLinuxARM64(t *testing.T) { buildcheck.Check(t, "linux", "arm64") }
