//go:build tools

// Package tools pins the Kubernetes commands (control plane and kubectl) this wrapper module
// builds, so `go mod tidy` keeps their dependencies in go.mod/go.sum.
// Build with: go build -trimpath k8s.io/kubernetes/cmd/kube-apiserver (see ../build.sh).
package tools

import (
	_ "k8s.io/kubernetes/cmd/kube-apiserver"
	_ "k8s.io/kubernetes/cmd/kube-controller-manager"
	_ "k8s.io/kubernetes/cmd/kube-scheduler"
	_ "k8s.io/kubernetes/cmd/kubectl"
)
