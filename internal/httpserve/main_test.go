package httpserve_test

import (
	"fmt"
	"os"
	"testing"

	"github.com/portolan/portolan/internal/evloop"
)

// eventLoop is the engine the tests' servers use (start): every test
// runs with a goroutine per connection, then again on event loops where
// the platform has them.
var eventLoop bool

func TestMain(m *testing.M) {
	code := m.Run()
	if code == 0 && evloop.Supported {
		fmt.Println("again on event loops")
		eventLoop = true
		code = m.Run()
	}
	os.Exit(code)
}
