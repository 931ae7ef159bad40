package main

import (
	"strings"

	"github.com/spf13/cobra"

	"github.com/conform-wsgi/conform/internal/harness"
	"github.com/conform-wsgi/conform/spec"
)

// registerCompletions teaches shell completion ('conform completion bash|zsh|fish') the
// values of the flags that name servers and checks, on every command that has them.
func registerCompletions(c *cobra.Command) {
	complete := map[string]cobra.CompletionFunc{
		"server":  completeServers,
		"servers": completeServers,
		"only":    completeChecks,
		"skip":    completeChecks,
	}
	for name, fn := range complete {
		if c.Flags().Lookup(name) != nil {
			_ = c.RegisterFlagCompletionFunc(name, fn)
		}
	}
	for _, sub := range c.Commands() {
		registerCompletions(sub)
	}
}

func completeServers(cmd *cobra.Command, args []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
	prefix, last := listPrefix(toComplete)
	var out []cobra.Completion
	for _, s := range harness.Known() {
		if strings.HasPrefix(s.Name, last) {
			out = append(out, cobra.CompletionWithDesc(prefix+s.Name, s.Description))
		}
	}
	return out, cobra.ShellCompDirectiveNoFileComp
}

// completeChecks offers areas and check IDs, and the ID prefixes above them, so that
// "rfc9112/" completes to the sections under it.
func completeChecks(cmd *cobra.Command, args []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
	prefix, last := listPrefix(toComplete)
	seen := map[string]bool{}
	var out []cobra.Completion
	add := func(v, desc string) {
		if !seen[v] && strings.HasPrefix(v, last) {
			seen[v] = true
			out = append(out, cobra.CompletionWithDesc(prefix+v, desc))
		}
	}
	for _, a := range spec.Areas {
		add(a, "area")
	}
	for _, c := range spec.All() {
		parts := strings.Split(c.ID, "/")
		for i := 1; i < len(parts); i++ {
			add(strings.Join(parts[:i], "/")+"/", "")
		}
		add(c.ID, c.Title)
	}
	return out, cobra.ShellCompDirectiveNoFileComp | cobra.ShellCompDirectiveNoSpace
}

// listPrefix splits a comma-separated flag value being typed into what is already written
// and the item being completed.
func listPrefix(s string) (prefix, last string) {
	i := strings.LastIndexByte(s, ',')
	return s[:i+1], s[i+1:]
}
