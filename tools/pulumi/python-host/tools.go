//go:build tools

// Package tools pins the upstream Python language host. Since v3.90 it lives in its own nested module
// (github.com/pulumi/pulumi/sdk/python/cmd/pulumi-language-python/v3), which the Go proxy here does not serve;
// sdk/v3 v3.68.0 is the newest served release that still carries it as a package. See docs/toolchain.md.
package tools

import _ "github.com/pulumi/pulumi/sdk/v3/python/cmd/pulumi-language-python"
