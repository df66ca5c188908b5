package main

import (
	"fmt"
	"io"
	"runtime/debug"
)

// printVersion writes the module version and, for a build from a checkout,
// the commit it was built from (and whether the tree had changes), as the
// Go toolchain records them in the binary.
func printVersion(w io.Writer) {
	info, ok := debug.ReadBuildInfo()
	if !ok {
		fmt.Fprintln(w, "portolan (no build information)")
		return
	}
	version := info.Main.Version
	if version == "" {
		version = "(devel)"
	}
	settings := map[string]string{}
	for _, s := range info.Settings {
		settings[s.Key] = s.Value
	}
	line := "portolan " + version
	if rev := settings["vcs.revision"]; rev != "" {
		line += " commit " + rev
		if settings["vcs.modified"] == "true" {
			line += " (modified)"
		}
	}
	fmt.Fprintf(w, "%s %s %s/%s\n", line, info.GoVersion, settings["GOOS"], settings["GOARCH"])
}
