//go:build tools

// This file records the go-fuzz build tooling in go.mod, so that
// 'go run github.com/dvyukov/go-fuzz/go-fuzz-build' builds the gofuzz harness (gofuzz.go)
// with the versions the module pins. It is never compiled into conform.
package fuzz

import (
	_ "github.com/dvyukov/go-fuzz/go-fuzz-dep"
)
