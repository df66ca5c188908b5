package docker

// WaitFills waits for the goroutines that fill warm pools, so that a test
// knows none will start a warm pause container behind its back.
func (d *Driver) WaitFills() { d.fills.Wait() }
