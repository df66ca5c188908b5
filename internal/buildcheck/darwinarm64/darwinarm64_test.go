package darwinarm64

import (
	"testing"

	"github.com/portolan/portolan/internal/buildcheck"
)

func TestDarwinARM64(t *testing.T) { buildcheck.Check(t, "darwin", "arm64") }
