package main

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/pairwise/pairwise/internal/store"
)

// databaseName is the database created on the private cluster.
const databaseName = "pairwise"

// openDatabase connects to c.databaseURL, or starts the private cluster
// when it is empty, then applies migrations. The returned close function
// closes the pool and stops a cluster that this call started.
func openDatabase(ctx context.Context, c *config, logger *slog.Logger) (*store.DB, func(), error) {
	url := c.databaseURL
	stopCluster := func() {}
	if url == "" {
		cluster, err := startCluster(ctx, c, logger)
		if err != nil {
			return nil, nil, err
		}
		stopCluster = func() {
			stopCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Minute)
			defer cancel()
			if err := cluster.Stop(stopCtx); err != nil {
				logger.Error("stop postgres", "error", err)
			}
		}
		url = cluster.URL(databaseName)
	}

	if err := store.Migrate(ctx, url, logger); err != nil {
		stopCluster()
		return nil, nil, err
	}
	db, err := store.Open(ctx, url)
	if err != nil {
		stopCluster()
		return nil, nil, err
	}
	return db, func() { db.Close(); stopCluster() }, nil
}

func startCluster(ctx context.Context, c *config, logger *slog.Logger) (*store.Cluster, error) {
	bin, err := store.FindPostgres()
	if err != nil {
		return nil, err
	}
	cluster := &store.Cluster{Dir: c.clusterDir(), BinDir: bin, OSUser: c.pgOSUser, Logger: logger}
	if err := cluster.Start(ctx); err != nil {
		return nil, err
	}
	if err := store.EnsureDatabase(ctx, cluster.URL("postgres"), databaseName); err != nil {
		cluster.Stop(context.WithoutCancel(ctx))
		return nil, fmt.Errorf("prepare database %s: %w", databaseName, err)
	}
	return cluster, nil
}
