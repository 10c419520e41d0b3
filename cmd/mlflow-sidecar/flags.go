package main

import (
	"fmt"
	"os"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// envFlags ties flags to environment variables: a flag given on the command
// line wins, then its variable, then the default. The variable is named in
// the flag's help text so that `--help` lists them all.
type envFlags struct {
	fs    *pflag.FlagSet
	names map[string]string // flag → env
	order []string
}

func newEnvFlags(fs *pflag.FlagSet) *envFlags { return &envFlags{fs: fs, names: map[string]string{}} }

// env annotates the flag registered last under name with its variable.
func (e *envFlags) env(name, env string) {
	f := e.fs.Lookup(name)
	if f == nil {
		panic("envFlags: no flag " + name)
	}
	f.Usage += fmt.Sprintf(" (env %s)", env)
	e.names[name] = env
	e.order = append(e.order, name)
}

// apply copies set environment variables into flags not given explicitly.
func (e *envFlags) apply() error {
	for _, name := range e.order {
		f := e.fs.Lookup(name)
		if f.Changed {
			continue
		}
		env := e.names[name]
		if v, ok := os.LookupEnv(env); ok {
			if err := e.fs.Set(name, v); err != nil {
				return usageError{fmt.Errorf("invalid value %q for %s: %w", v, env, err)}
			}
		}
	}
	return nil
}

func preRun(e *envFlags) func(*cobra.Command, []string) error {
	return func(*cobra.Command, []string) error { return e.apply() }
}
