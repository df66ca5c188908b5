package gateway

// ListenerTarget is where the current snapshot sends requests for the
// listener arn ("" when it does not know the listener): what the
// snapshot's compile step resolved, for tests of load balancers whose data
// plane does not serve yet.
func (g *Gateway) ListenerTarget(arn string) string {
	s := g.current()
	if s == nil {
		return ""
	}
	for _, t := range s.listeners {
		if t.arn == arn {
			return t.addr
		}
	}
	return ""
}
