// compose-validate: loads a compose file with the Compose specification's reference loader
// (github.com/compose-spec/compose-go/v2: JSON-schema validation, interpolation, consistency of
// references between services, volumes, networks and secrets) and then checks what rathaus
// expects of its docker-compose.yml:
//
//	compose-validate docker-compose.yml
//
//   - every long-running service has a healthcheck, and depends_on entries use conditions
//     (service_healthy, or service_completed_successfully for one-shot jobs);
//   - the clerk private key (volume dev-minting) is mounted only by the job that mints tokens;
//   - the gateway is published on 8080 (on 127.0.0.1 unless RATHAUS_PUBLISH_ADDRESS says otherwise) and depends on every rathaus gRPC service being healthy;
//   - Kafka and Redis keep their data on named volumes; Redis runs with AOF;
//   - rathaus containers read secrets from files (*_FILE variables), never plain secret values;
//   - rathaus containers run as a non-root user with a read-only root filesystem.
package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/compose-spec/compose-go/v2/cli"
	"github.com/compose-spec/compose-go/v2/types"
)

var errs []string

func fail(format string, args ...any) { errs = append(errs, fmt.Sprintf(format, args...)) }

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: compose-validate docker-compose.yml")
		os.Exit(2)
	}
	path, _ := filepath.Abs(os.Args[1])
	opts, err := cli.NewProjectOptions([]string{path},
		cli.WithWorkingDirectory(filepath.Dir(path)),
		cli.WithName("rathaus"),
		cli.WithResolvedPaths(true),
		cli.WithConsistency(true),
	)
	if err != nil {
		fmt.Fprintln(os.Stderr, "compose-validate:", err)
		os.Exit(1)
	}
	project, err := opts.LoadProject(context.Background())
	if err != nil {
		fmt.Fprintln(os.Stderr, "compose-validate: not a valid Compose file:", err)
		os.Exit(1)
	}

	names := make([]string, 0, len(project.Services))
	for n := range project.Services {
		names = append(names, n)
	}
	sort.Strings(names)

	oneShot := func(s types.ServiceConfig) bool { return s.Labels["org.rathaus.role"] == "job" }
	isRathaus := func(s types.ServiceConfig) bool { return strings.HasPrefix(s.Labels["org.rathaus.role"], "") && s.Labels["org.rathaus.role"] != "" }
	grpcServices := []string{}
	for _, n := range names {
		s := project.Services[n]
		if s.Labels["org.rathaus.role"] == "grpc-service" {
			grpcServices = append(grpcServices, n)
		}
		if !oneShot(s) {
			if s.HealthCheck == nil || s.HealthCheck.Disable || len(s.HealthCheck.Test) == 0 {
				fail("service %s: no healthcheck", n)
			}
		} else if s.Restart != "" && s.Restart != "no" {
			fail("service %s: a one-shot job must not restart (%s)", n, s.Restart)
		}
		// The clerk JWT private key mints tokens: it lives in the volume dev-minting, which only
		// the job that mints mounts; the services get the public key (dev-secrets).
		minting := false
		for _, v := range s.Volumes {
			if v.Source == "dev-minting" {
				minting = true
			}
		}
		if minting && !oneShot(s) {
			fail("service %s mounts dev-minting (the clerk private key); only the minting job may", n)
		}
		if n == "dev-secrets" && !minting {
			fail("dev-secrets: the clerk private key must go to its own volume dev-minting, not into dev-secrets that every service mounts")
		}
		for dep, cfg := range s.DependsOn {
			dsvc, ok := project.Services[dep]
			if !ok {
				fail("service %s depends on unknown %s", n, dep)
				continue
			}
			want := types.ServiceConditionHealthy
			if oneShot(dsvc) {
				want = types.ServiceConditionCompletedSuccessfully
			}
			if cfg.Condition != want {
				fail("service %s: depends_on %s must use condition %s, has %q", n, dep, want, cfg.Condition)
			}
		}
		if isRathaus(s) {
			if s.User == "" || s.User == "root" || s.User == "0" || strings.HasPrefix(s.User, "0:") {
				fail("service %s: must run as a non-root user", n)
			}
			if !s.ReadOnly {
				fail("service %s: read_only root filesystem expected", n)
			}
			for k, v := range s.Environment {
				up := strings.ToUpper(k)
				if v != nil && (strings.Contains(up, "KEY") || strings.Contains(up, "SECRET") || strings.Contains(up, "PASSWORD") || strings.Contains(up, "TOKEN")) &&
					!strings.HasSuffix(up, "_FILE") {
					fail("service %s: %s looks like a secret value; pass secrets as files (*_FILE)", n, k)
				}
			}
		}
	}

	gw, ok := project.Services["gateway"]
	if !ok {
		fail("no gateway service")
	} else {
		published := false
		for _, p := range gw.Ports {
			if p.Published == "8080" && p.Target == 8080 {
				published = true
			}
			// Only this machine reaches it unless the operator decides otherwise
			// (RATHAUS_PUBLISH_ADDRESS); a default of all interfaces exposes a dev stack.
			if p.HostIP == "" || p.HostIP == "0.0.0.0" || p.HostIP == "::" {
				fail("gateway: port %s is published on all interfaces; publish it on 127.0.0.1 by default", p.Published)
			}
		}
		if !published {
			fail("gateway: port 8080 is not published as 8080")
		}
		for _, g := range grpcServices {
			if c, ok := gw.DependsOn[g]; !ok || c.Condition != types.ServiceConditionHealthy {
				fail("gateway: must depend on %s being healthy", g)
			}
		}
	}
	if len(grpcServices) == 0 {
		fail("no service labelled org.rathaus.role=grpc-service")
	}
	for _, infra := range []string{"kafka", "redis"} {
		s, ok := project.Services[infra]
		if !ok {
			fail("no %s service", infra)
			continue
		}
		named := false
		for _, v := range s.Volumes {
			if v.Type == types.VolumeTypeVolume && v.Source != "" {
				named = true
			}
		}
		if !named {
			fail("%s: data must be on a named volume", infra)
		}
	}
	if r, ok := project.Services["redis"]; ok {
		if !strings.Contains(strings.Join(r.Command, " "), "--appendonly yes") {
			fail("redis: AOF (--appendonly yes) expected in the command")
		}
	}
	if k, ok := project.Services["kafka"]; ok {
		if !strings.HasPrefix(k.Image, "apache/kafka:") {
			fail("kafka: the official apache/kafka image expected, got %q", k.Image)
		}
		if roles := k.Environment["KAFKA_PROCESS_ROLES"]; roles == nil || *roles != "broker,controller" {
			fail("kafka: KRaft single node expected (KAFKA_PROCESS_ROLES=broker,controller)")
		}
	}

	if len(errs) > 0 {
		for _, e := range errs {
			fmt.Fprintln(os.Stderr, "compose-validate:", e)
		}
		os.Exit(1)
	}
	fmt.Printf("compose-validate: %s valid (services: %s)\n", filepath.Base(path), strings.Join(names, ", "))
}
