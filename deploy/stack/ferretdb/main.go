// Command ferretdb-registry runs FerretDB 1.x, on SQLite or PostgreSQL, for the registry's local stack.
//
// It embeds the github.com/FerretDB/FerretDB/ferretdb package because a plain
// `go install .../cmd/ferretdb` panics at start (its generated version file is missing).
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"

	"github.com/FerretDB/FerretDB/ferretdb"
)

func main() {
	listen := flag.String("listen", "127.0.0.1:27017", "TCP address to listen on")
	dir := flag.String("dir", "", "absolute path of an existing directory for the SQLite files")
	postgresql := flag.String("postgresql-url", "", "a PostgreSQL URL: store there instead of in SQLite")
	// FerretDB logs every failed command at WARN, e.g. the endSessions that each
	// pymongo client sends on close, so the default is ERROR.
	level := flag.String("log-level", "error", "log level: debug, info, warn or error")
	flag.Parse()

	if err := run(*listen, *dir, *postgresql, *level); err != nil {
		fmt.Fprintln(os.Stderr, "ferretdb-registry:", err)
		os.Exit(1)
	}
}

func run(listen, dir, postgresql, level string) error {
	config := ferretdb.Config{Listener: ferretdb.ListenerConfig{TCP: listen}}
	if postgresql != "" {
		config.Handler = "postgresql"
		config.PostgreSQLURL = postgresql
		dir = postgresql
	} else {
		if dir == "" || !filepath.IsAbs(dir) {
			return errors.New("-dir must be an absolute path")
		}
		if fi, err := os.Stat(dir); err != nil || !fi.IsDir() {
			return fmt.Errorf("-dir %q is not an existing directory", dir)
		}
		config.Handler = "sqlite"
		// FerretDB wants a file: URI naming a directory, with a trailing slash.
		config.SQLiteURL = "file:" + filepath.Clean(dir) + "/"
	}

	var lvl slog.Level
	if err := lvl.UnmarshalText([]byte(level)); err != nil {
		return fmt.Errorf("-log-level: %w", err)
	}
	logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: lvl}))

	config.Logger = logger
	f, err := ferretdb.New(&config)
	if err != nil {
		return err
	}

	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()

	fmt.Fprintf(os.Stderr, "ferretdb-registry: listening on %s, data in %s\n", listen, dir)
	err = f.Run(ctx)
	fmt.Fprintln(os.Stderr, "ferretdb-registry: stopped")
	return err
}
