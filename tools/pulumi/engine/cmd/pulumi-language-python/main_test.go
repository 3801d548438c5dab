package main

import (
	"encoding/json"
	"strings"
	"testing"

	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"google.golang.org/protobuf/types/known/structpb"
)

func TestConfigEnvMatchesWhatThePythonSDKReads(t *testing.T) {
	env, err := configEnv(&pulumirpc.RunRequest{
		Config:           map[string]string{"proj:masterKey": "s3cr3t", "proj:replicas": "2"},
		ConfigSecretKeys: []string{"proj:masterKey"},
	})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, kv := range env {
		k, v, _ := strings.Cut(kv, "=")
		got[k] = v
	}
	var cfg map[string]string
	if err := json.Unmarshal([]byte(got["PULUMI_CONFIG"]), &cfg); err != nil || cfg["proj:replicas"] != "2" {
		t.Fatalf("PULUMI_CONFIG = %q (%v)", got["PULUMI_CONFIG"], err)
	}
	var secretKeys []string
	if err := json.Unmarshal([]byte(got["PULUMI_CONFIG_SECRET_KEYS"]), &secretKeys); err != nil ||
		len(secretKeys) != 1 || secretKeys[0] != "proj:masterKey" {
		t.Fatalf("PULUMI_CONFIG_SECRET_KEYS = %q (%v)", got["PULUMI_CONFIG_SECRET_KEYS"], err)
	}
}

func TestResolveToolchainReadsRuntimeOptions(t *testing.T) {
	venv := t.TempDir()
	opts, err := structpb.NewStruct(map[string]any{"toolchain": "pip", "virtualenv": venv})
	if err != nil {
		t.Fatal(err)
	}
	tc, err := resolveToolchain(&pulumirpc.ProgramInfo{RootDirectory: "/proj", ProgramDirectory: "/proj", Options: opts})
	if err != nil {
		t.Fatal(err)
	}
	path, err := tc.VirtualEnvPath(t.Context())
	if err != nil || path != venv {
		t.Fatalf("virtualenv %q (%v), want %q", path, err, venv)
	}

	bad, err := structpb.NewStruct(map[string]any{"toolchain": "conda"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := resolveToolchain(&pulumirpc.ProgramInfo{Options: bad}); err == nil {
		t.Fatal("expected an error for an unsupported toolchain")
	}
}
