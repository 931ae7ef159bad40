package fuzz

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/conform-wsgi/conform/reference"
	"github.com/conform-wsgi/conform/spec"
)

// seedAreas are the catalog areas whose requests make good seeds: the ones about what a
// server reads off the wire. (The others are about the application's side and repeat plain
// GETs.)
func seedAreas() []string { return []string{"environ", "input", "fields", "framing", "connection"} }

// CatalogSeeds records the bytes the check catalog sends, connection by connection, by
// running its checks against an in-process reference server. The requests come out exactly
// as the checks write them (Host is set to "localhost" so they do not depend on a port), in
// catalog order: the seeds are deterministic. It takes a fraction of a second.
func CatalogSeeds(ctx context.Context) ([]Seed, error) {
	all, err := spec.Select(spec.All(), seedAreas(), nil)
	if err != nil {
		return nil, fmt.Errorf("catalog seeds: %w", err)
	}
	// A check that watches an idle connection for the server's time-out sends a plain GET
	// and then waits seconds for nothing a seed needs.
	var checks []*spec.Check
	for _, c := range all {
		if !c.Watches {
			checks = append(checks, c)
		}
	}
	ref, err := reference.Start(reference.Options{ReadTimeout: 2 * time.Second})
	if err != nil {
		return nil, fmt.Errorf("catalog seeds: start the reference: %w", err)
	}
	defer ref.Close()
	results := make([]*spec.Result, len(checks))
	var wg sync.WaitGroup
	sem := make(chan struct{}, 16)
	for i, c := range checks {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			t := spec.NewTarget(ref.Addr)
			t.Host = "localhost"
			results[i] = spec.RunOne(ctx, t, c, 5*time.Second)
		}()
	}
	wg.Wait()
	if ctx.Err() != nil {
		return nil, fmt.Errorf("catalog seeds: %w", ctx.Err())
	}
	var out []Seed
	for i, r := range results {
		for _, ev := range r.Evidence {
			if len(ev.Request) > 0 && len(ev.Request) < 8<<10 {
				out = append(out, Seed{Check: checks[i].ID, Bytes: ev.Request})
			}
		}
	}
	return out, nil
}

// seedsFile keeps a session's catalog seeds in its directory. The catalog's requests depend
// on the version of conform and, for a check cut by its time-out on a loaded machine, on
// the run: a resumed session makes its cases from the seeds the session began with.
const seedsFile = "seeds.json"

// seeds are the session's catalog seeds: Options.Catalog, none with NoCatalog, the ones
// the session began with when it is resumed, or else a harvest of the catalog, which is
// then kept in the directory.
func (s *session) seeds(ctx context.Context) ([]Seed, error) {
	if s.opt.Catalog != nil || s.opt.NoCatalog {
		return s.opt.Catalog, nil
	}
	if s.opt.Resume {
		kept, err := s.store.loadSeeds()
		if err != nil || kept != nil {
			return kept, err
		}
	}
	seeds, err := CatalogSeeds(ctx)
	if err != nil {
		return nil, err
	}
	if err := s.store.saveSeeds(seeds); err != nil {
		return nil, err
	}
	return seeds, nil
}
