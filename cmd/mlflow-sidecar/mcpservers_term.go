package main

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/mattn/go-isatty"
	"github.com/spf13/cobra"
)

// terminal is what the command's streams are connected to.
type terminal struct {
	stdin, stdout, stderr bool
	colour                bool
}

func detectTerminal(cmd *cobra.Command) terminal {
	t := terminal{
		stdin:  isTTY(cmd.InOrStdin()),
		stdout: isTTY(cmd.OutOrStdout()),
		stderr: isTTY(cmd.ErrOrStderr()),
	}
	_, noColour := os.LookupEnv("NO_COLOR")
	t.colour = t.stdout && !noColour && os.Getenv("TERM") != "dumb"
	return t
}

func isTTY(v any) bool {
	f, ok := v.(*os.File)
	return ok && (isatty.IsTerminal(f.Fd()) || isatty.IsCygwinTerminal(f.Fd()))
}

// interactive reports someone at a terminal who can answer a question.
func (t terminal) interactive() bool { return t.stdin && t.stderr }

// paint wraps s in an ANSI colour when colour is on.
func (t terminal) paint(code, s string) string {
	if !t.colour || s == "" {
		return s
	}
	return "\x1b[" + code + "m" + s + "\x1b[0m"
}

// status colours a version status the way a reader scans a list: active
// green, draft yellow, deprecated red.
func (t terminal) status(s string) string {
	switch s {
	case "active":
		return t.paint("32", s)
	case "draft":
		return t.paint("33", s)
	case "deprecated":
		return t.paint("31", s)
	}
	return s
}

func (t terminal) bold(s string) string { return t.paint("1", s) }

// confirm asks before a destructive command on a terminal. Without a
// terminal (scripts, CI) or with --yes it proceeds, as the command was asked
// for explicitly.
func (c *mcpCLI) confirm(cmd *cobra.Command, format string, args ...any) error {
	if c.yes || !c.term.interactive() {
		return nil
	}
	fmt.Fprintf(cmd.ErrOrStderr(), format+" [y/N] ", args...)
	line, err := bufio.NewReader(cmd.InOrStdin()).ReadString('\n')
	if err != nil && err != io.EOF {
		return err
	}
	switch strings.ToLower(strings.TrimSpace(line)) {
	case "y", "yes":
		return nil
	}
	return &exitError{code: exitOther, err: fmt.Errorf("cancelled")}
}

// spinner is a progress line on a terminal's stderr; elsewhere it is silent.
type spinner struct {
	w    io.Writer
	mu   sync.Mutex
	msg  string
	stop chan struct{}
	done chan struct{}
}

func (c *mcpCLI) startSpinner(cmd *cobra.Command, msg string) *spinner {
	s := &spinner{w: cmd.ErrOrStderr(), msg: msg}
	if !c.term.stderr {
		return s
	}
	s.stop, s.done = make(chan struct{}), make(chan struct{})
	go s.run()
	return s
}

func (s *spinner) run() {
	defer close(s.done)
	frames := []string{"⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"}
	tick := time.NewTicker(120 * time.Millisecond)
	defer tick.Stop()
	for i := 0; ; i++ {
		s.mu.Lock()
		fmt.Fprintf(s.w, "\r\x1b[K%s %s", frames[i%len(frames)], s.msg)
		s.mu.Unlock()
		select {
		case <-s.stop:
			fmt.Fprint(s.w, "\r\x1b[K")
			return
		case <-tick.C:
		}
	}
}

// update replaces the message.
func (s *spinner) update(msg string) {
	s.mu.Lock()
	s.msg = msg
	s.mu.Unlock()
}

// end clears the line.
func (s *spinner) end() {
	if s.stop == nil {
		return
	}
	close(s.stop)
	<-s.done
	s.stop = nil
}
