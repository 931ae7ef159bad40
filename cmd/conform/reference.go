package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"

	"github.com/spf13/cobra"

	"github.com/conform-wsgi/conform/reference"
)

func newReferenceCommand(stdout, stderr io.Writer) *cobra.Command {
	var listen string
	var deviate []string
	c := &cobra.Command{
		Use:   "reference --listen HOST:PORT",
		Short: "Serve the reference WSGI gateway: the executable spec, which passes every check",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if _, _, err := net.SplitHostPort(listen); err != nil {
				return usagef("--listen %q is not HOST:PORT: %v", listen, err)
			}
			var dev reference.Deviations
			for _, d := range deviate {
				name, value, _ := strings.Cut(d, "=")
				if err := dev.Set(name, value); err != nil {
					return usagef("--deviate %s: %v (known: %s)", d, err, strings.Join(reference.DeviationNames(), ", "))
				}
			}
			l, err := net.Listen("tcp", listen)
			if err != nil {
				return fmt.Errorf("listen on %s: %w", listen, err)
			}
			srv := reference.New(reference.Options{Log: stderr, Deviations: dev})
			if dev.Any() {
				fmt.Fprintf(stderr, "conform reference: deviating on purpose: %s\n", strings.Join(deviate, ", "))
			}
			fmt.Fprintf(stdout, "conform reference server on %s (Ctrl-C stops it)\ntry: conform --target %s\n", l.Addr(), l.Addr())
			ctx, cancel := context.WithCancel(cmd.Context())
			defer cancel()
			go func() { <-ctx.Done(); srv.Close() }()
			if err := srv.Serve(l); err != nil && !errors.Is(err, net.ErrClosed) && ctx.Err() == nil {
				return err
			}
			return nil
		},
	}
	c.Flags().StringVar(&listen, "listen", "127.0.0.1:8080", "address to listen on")
	c.Flags().StringSliceVar(&deviate, "deviate", nil, "break the reference on purpose, as a server might (NAME or NAME=VALUE, repeatable): see what a finding looks like, or test a front before a lenient server (e.g. NoChunkedSupport)")
	return c
}
