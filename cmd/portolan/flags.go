package main

import (
	"flag"
	"fmt"
	"os"
	"strings"

	"go.yaml.in/yaml/v3"
)

// parseFlags parses args into fs with the precedence a user expects: a
// flag on the command line, then PORTOLAN_<FLAG> in the environment, then
// the --config file (YAML or JSON keyed by flag name), then the default.
func parseFlags(fs *flag.FlagSet, args []string) error {
	config := fs.String("config", os.Getenv("PORTOLAN_CONFIG"), "YAML or JSON file of flag values, keyed by flag name")
	if err := fs.Parse(args); err != nil {
		return err
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	// The file's values are taken as the literal text of each scalar, not
	// as YAML's reading of it: account 000000000000 is not the number 0,
	// nor a secret 0x1F the number 31.
	var fromFile map[string]yaml.Node
	if *config != "" {
		b, err := os.ReadFile(*config)
		if err != nil {
			return err
		}
		if err := yaml.Unmarshal(b, &fromFile); err != nil {
			return fmt.Errorf("config %s: %w", *config, err)
		}
		for k, v := range fromFile {
			if fs.Lookup(k) == nil {
				return fmt.Errorf("config %s: unknown setting %q", *config, k)
			}
			if v.Kind != yaml.ScalarNode {
				return fmt.Errorf("config %s: %s must be a single value (lists are comma-separated)", *config, k)
			}
		}
	}
	var err error
	fs.VisitAll(func(f *flag.Flag) {
		if set[f.Name] || err != nil {
			return
		}
		env := "PORTOLAN_" + strings.ToUpper(strings.ReplaceAll(f.Name, "-", "_"))
		if v, ok := os.LookupEnv(env); ok {
			if e := f.Value.Set(v); e != nil {
				err = fmt.Errorf("invalid value %q for %s: %w", v, env, e)
			}
			return
		}
		if v, ok := fromFile[f.Name]; ok {
			if e := f.Value.Set(v.Value); e != nil {
				err = fmt.Errorf("config %s: invalid value %q for %s: %w", *config, v.Value, f.Name, e)
			}
		}
	})
	return err
}
