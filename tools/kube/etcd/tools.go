//go:build tools

// Package tools pins the etcd main package scripts/kube-tools builds.
package tools

import _ "go.etcd.io/etcd/server/v3"
