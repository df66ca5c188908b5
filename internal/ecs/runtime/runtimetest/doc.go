// Package runtimetest is the conformance suite every runtime.Driver passes
// (Run), and the pieces tests of the drivers and of the ECS agent share: a
// test app built as a static binary (BuildApp; its source is testapp) and
// helpers to provision, start and probe it.
//
// It exists so that "process" and "docker" are held to one contract, as
// storetest does for the store backends: a behaviour the agent relies on is
// tested once, here, against real processes and real containers.
package runtimetest
