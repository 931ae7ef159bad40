package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"

	"github.com/spf13/cobra"

	"github.com/conform-wsgi/conform/reference"
)

func newReferenceCommand(stdout, stderr io.Writer) *cobra.Command {
	var listen string
	c := &cobra.Command{
		Use:   "reference --listen HOST:PORT",
		Short: "Serve the reference WSGI gateway: the executable spec, which passes every check",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if _, _, err := net.SplitHostPort(listen); err != nil {
				return usagef("--listen %q is not HOST:PORT: %v", listen, err)
			}
			l, err := net.Listen("tcp", listen)
			if err != nil {
				return fmt.Errorf("listen on %s: %w", listen, err)
			}
			srv := reference.New(reference.Options{Log: stderr})
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
	return c
}
