//go:build tools

// Package tools pins the kwok main package scripts/kube-tools builds.
package tools

import _ "sigs.k8s.io/kwok/cmd/kwok"
