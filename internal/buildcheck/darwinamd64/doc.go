// Package darwinamd64 builds Portolan for macOS on Intel. Apple silicon
// is a package of its own: the two cold cross builds in one package ran
// past go test's ten minutes on a loaded machine (2026-12-07, CI run on a
// fresh clone).
package darwinamd64
