package node

import (
	"testing"

	"go.uber.org/goleak"
)

// TestMain fails the package if any goroutine (reader, writer, accept
// loop, process) outlives the tests: every node is stopped by cleanup.
func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }
