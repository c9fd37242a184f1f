// Command tlogcheck checks the registry's log against Go's reference implementation
// (golang.org/x/mod/sumdb/note and tlog), and makes Go proofs for the Python client.
//
// It reads one JSON request on stdin and writes one JSON answer on stdout; every check
// it cannot pass is reported, never fatal, so the test sees each failure by name.
package main

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"os"
	"strconv"
	"strings"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

type inclusion struct {
	Index  int64    `json:"index"`
	Size   int64    `json:"size"`
	Hashes [][]byte `json:"hashes"`
}

type consistency struct {
	First  int64    `json:"first"`
	Second int64    `json:"second"`
	Hashes [][]byte `json:"hashes"`
}

type request struct {
	VerifierKey string        `json:"vkey"`
	Checkpoint  string        `json:"checkpoint"`
	Origin      string        `json:"origin"`
	Leaves      [][]byte      `json:"leaves"`
	Inclusion   []inclusion   `json:"inclusion"`
	Consistency []consistency `json:"consistency"`
}

type answer struct {
	Failures         []string          `json:"failures"`
	InclusionOK      []bool            `json:"inclusion_ok"`
	ConsistencyOK    []bool            `json:"consistency_ok"`
	Tiles            map[string][]byte `json:"tiles"`
	GoVerifierKey    string            `json:"go_vkey"`
	GoCheckpoint     string            `json:"go_checkpoint"`
	GoInclusion      []inclusion       `json:"go_inclusion"`
	GoConsistency    []consistency     `json:"go_consistency"`
	CheckpointOpened bool              `json:"checkpoint_opened"`
}

type hashStore []tlog.Hash

func (s hashStore) ReadHashes(indexes []int64) ([]tlog.Hash, error) {
	out := make([]tlog.Hash, len(indexes))
	for i, index := range indexes {
		if index >= int64(len(s)) {
			return nil, fmt.Errorf("no stored hash %d", index)
		}
		out[i] = s[index]
	}
	return out, nil
}

func main() {
	var req request
	if err := json.NewDecoder(os.Stdin).Decode(&req); err != nil {
		fmt.Fprintln(os.Stderr, "bad request:", err)
		os.Exit(2)
	}
	ans := answer{Failures: []string{}, Tiles: map[string][]byte{}}
	fail := func(format string, args ...any) {
		ans.Failures = append(ans.Failures, fmt.Sprintf(format, args...))
	}

	var store hashStore
	for i, leaf := range req.Leaves {
		hashes, err := tlog.StoredHashes(int64(i), leaf, store)
		if err != nil {
			fail("storing leaf %d: %v", i, err)
			break
		}
		store = append(store, hashes...)
	}
	size := int64(len(req.Leaves))
	treeHash := func(n int64) tlog.Hash {
		h, err := tlog.TreeHash(n, store)
		if err != nil {
			fail("tree hash %d: %v", n, err)
		}
		return h
	}

	verifier, err := note.NewVerifier(req.VerifierKey)
	if err != nil {
		fail("verifier key: %v", err)
	} else if opened, err := note.Open([]byte(req.Checkpoint), note.VerifierList(verifier)); err != nil {
		fail("checkpoint note: %v", err)
	} else {
		ans.CheckpointOpened = true
		checkCheckpoint(opened.Text, req.Origin, size, treeHash(size), fail)
	}

	for _, p := range req.Inclusion {
		err := tlog.CheckRecord(toHashes(p.Hashes), p.Size, treeHash(p.Size), p.Index, tlog.RecordHash(req.Leaves[p.Index]))
		ans.InclusionOK = append(ans.InclusionOK, err == nil)
	}
	for _, p := range req.Consistency {
		err := tlog.CheckTree(toHashes(p.Hashes), p.Second, treeHash(p.Second), p.First, treeHash(p.First))
		ans.ConsistencyOK = append(ans.ConsistencyOK, err == nil)
	}

	for _, tile := range tlog.NewTiles(8, 0, size) {
		data, err := tlog.ReadTileData(tile, store)
		if err != nil {
			fail("tile %s: %v", tile.Path(), err)
			continue
		}
		// C2SP tlog-tiles paths drop Go's height element: tile/8/0/000 is tile/0/000.
		ans.Tiles[strings.Replace(tile.Path(), "tile/8/", "tile/", 1)] = data
	}

	signerKey, verifierKey, err := note.GenerateKey(rand.Reader, req.Origin)
	if err != nil {
		fail("generate key: %v", err)
	}
	signer, err := note.NewSigner(signerKey)
	if err != nil {
		fail("signer: %v", err)
	} else {
		root := treeHash(size)
		text := fmt.Sprintf("%s\n%d\n%s\n", req.Origin, size, base64.StdEncoding.EncodeToString(root[:]))
		signed, err := note.Sign(&note.Note{Text: text}, signer)
		if err != nil {
			fail("sign: %v", err)
		}
		ans.GoVerifierKey, ans.GoCheckpoint = verifierKey, string(signed)
	}
	for _, p := range req.Inclusion {
		proof, err := tlog.ProveRecord(p.Size, p.Index, store)
		if err != nil {
			fail("prove record %d in %d: %v", p.Index, p.Size, err)
			continue
		}
		ans.GoInclusion = append(ans.GoInclusion, inclusion{p.Index, p.Size, fromHashes(proof)})
	}
	for _, p := range req.Consistency {
		proof, err := tlog.ProveTree(p.Second, p.First, store)
		if err != nil {
			fail("prove tree %d to %d: %v", p.First, p.Second, err)
			continue
		}
		ans.GoConsistency = append(ans.GoConsistency, consistency{p.First, p.Second, fromHashes(proof)})
	}

	if err := json.NewEncoder(os.Stdout).Encode(ans); err != nil {
		os.Exit(2)
	}
}

func checkCheckpoint(text, origin string, size int64, root tlog.Hash, fail func(string, ...any)) {
	lines := strings.Split(strings.TrimSuffix(text, "\n"), "\n")
	if len(lines) < 3 {
		fail("checkpoint has %d lines", len(lines))
		return
	}
	if lines[0] != origin {
		fail("checkpoint origin %q, want %q", lines[0], origin)
	}
	if n, err := strconv.ParseInt(lines[1], 10, 64); err != nil || n != size {
		fail("checkpoint size %q, want %d", lines[1], size)
	}
	if h, err := tlog.ParseHash(lines[2]); err != nil || h != root {
		fail("checkpoint root %q, want %s", lines[2], root)
	}
}

func toHashes(raw [][]byte) []tlog.Hash {
	out := make([]tlog.Hash, len(raw))
	for i, h := range raw {
		copy(out[i][:], h)
	}
	return out
}

func fromHashes(hashes []tlog.Hash) [][]byte {
	out := make([][]byte, len(hashes))
	for i, h := range hashes {
		out[i] = h[:]
	}
	return out
}
