// k8s-validate: offline validation of rendered Kubernetes manifests (helm template output).
//
//	k8s-validate [-policy] FILE...   (FILE "-" reads standard input)
//
// Every YAML document is decoded strictly into its k8s.io/api type (unknown or misspelt fields,
// wrong types and duplicate keys are errors), looked up by apiVersion/kind in client-go's scheme:
// a kind the scheme does not know is an error, except the CRDs listed in crdKinds, which are
// checked structurally (apiVersion, kind, metadata.name, spec). Names, labels and port names are
// checked with apimachinery's validators, and cross-document references (Service selectors,
// HPA/PDB targets, volumes from Secrets/ConfigMaps rendered in the same set) must resolve.
// With -policy, every workload must also carry the chart's hardening (non-root, read-only root
// filesystem, no privilege escalation, capabilities dropped, RuntimeDefault seccomp, no service
// account token) and probes.
package main

import (
	"bytes"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	appsv1 "k8s.io/api/apps/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	policyv1 "k8s.io/api/policy/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/client-go/kubernetes/scheme"
	"sigs.k8s.io/yaml"
)

// Custom resources the chart and the examples may contain; they have no k8s.io/api type.
var crdKinds = map[string]bool{
	"cert-manager.io/v1/Certificate":        true,
	"cert-manager.io/v1/Issuer":             true,
	// Strimzi's v1 API only: Strimzi 1.0 serves nothing else (0.49 introduced it).
	"kafka.strimzi.io/v1/Kafka":         true,
	"kafka.strimzi.io/v1/KafkaNodePool": true,
	"kafka.strimzi.io/v1/KafkaTopic":    true,
	"kafka.strimzi.io/v1/KafkaUser":     true,
	"monitoring.coreos.com/v1/ServiceMonitor": true,
}

type doc struct {
	source string
	gvk    schema.GroupVersionKind
	name   string
	obj    any
	raw    map[string]any
}

var errs []string

func fail(d *doc, format string, args ...any) {
	where := "?"
	if d != nil {
		where = fmt.Sprintf("%s: %s %q", d.source, d.gvk.Kind, d.name)
	}
	errs = append(errs, where+": "+fmt.Sprintf(format, args...))
}

// splitDocs splits a YAML stream on document separators ("---" lines).
func splitDocs(data []byte) [][]byte {
	var out [][]byte
	var cur bytes.Buffer
	for _, line := range strings.SplitAfter(string(data), "\n") {
		t := strings.TrimRight(line, "\r\n")
		if t == "---" || strings.HasPrefix(t, "--- ") {
			out = append(out, append([]byte(nil), cur.Bytes()...))
			cur.Reset()
			continue
		}
		cur.WriteString(line)
	}
	out = append(out, cur.Bytes())
	return out
}

func onlyComments(b []byte) bool {
	for _, line := range strings.Split(string(b), "\n") {
		t := strings.TrimSpace(line)
		if t != "" && !strings.HasPrefix(t, "#") {
			return false
		}
	}
	return true
}

func decode(source string, data []byte) []*doc {
	var docs []*doc
	for i, b := range splitDocs(data) {
		if onlyComments(b) {
			continue
		}
		src := fmt.Sprintf("%s#%d", source, i)
		// Source comments from helm ("# Source: rathaus/templates/x.yaml") name the template.
		for _, line := range strings.Split(string(b), "\n") {
			if strings.HasPrefix(line, "# Source: ") {
				src = strings.TrimPrefix(line, "# Source: ")
				break
			}
		}
		var raw map[string]any
		if err := yaml.UnmarshalStrict(b, &raw); err != nil {
			fail(&doc{source: src}, "not valid YAML: %v", err)
			continue
		}
		apiVersion, _ := raw["apiVersion"].(string)
		kind, _ := raw["kind"].(string)
		meta, _ := raw["metadata"].(map[string]any)
		name, _ := meta["name"].(string)
		d := &doc{source: src, name: name, raw: raw}
		if apiVersion == "" || kind == "" || meta == nil {
			fail(d, "apiVersion, kind and metadata are required")
			continue
		}
		gv, err := schema.ParseGroupVersion(apiVersion)
		if err != nil {
			fail(d, "bad apiVersion %q: %v", apiVersion, err)
			continue
		}
		d.gvk = gv.WithKind(kind)
		for _, msg := range validation.IsDNS1123Subdomain(name) {
			fail(d, "metadata.name: %s", msg)
		}
		if ls, ok := meta["labels"].(map[string]any); ok {
			for k, v := range ls {
				s, _ := v.(string)
				for _, msg := range validation.IsQualifiedName(k) {
					fail(d, "label key %q: %s", k, msg)
				}
				for _, msg := range validation.IsValidLabelValue(s) {
					fail(d, "label %q value %q: %s", k, s, msg)
				}
			}
		}
		if crdKinds[apiVersion+"/"+kind] {
			spec, ok := raw["spec"].(map[string]any)
			if !ok {
				fail(d, "custom resource without spec")
			}
			if kind == "KafkaTopic" && ok {
				checkTopic(d, spec)
			}
			docs = append(docs, d)
			continue
		}
		obj, err := scheme.Scheme.New(d.gvk)
		if err != nil {
			fail(d, "unknown to the Kubernetes API (%s): %v", apiVersion, err)
			continue
		}
		if err := yaml.UnmarshalStrict(b, obj); err != nil {
			fail(d, "does not match the %s schema: %v", d.gvk, err)
			continue
		}
		d.obj = obj
		docs = append(docs, d)
	}
	return docs
}

func checkPodSpec(d *doc, tmpl *corev1.PodTemplateSpec, selector map[string]string, policy bool, configMaps map[string]bool) {
	spec := &tmpl.Spec
	if len(selector) == 0 {
		fail(d, "empty selector")
	}
	if !labels.SelectorFromSet(selector).Matches(labels.Set(tmpl.Labels)) {
		fail(d, "selector %v does not match the pod template labels %v", selector, tmpl.Labels)
	}
	if len(spec.Containers) == 0 {
		fail(d, "no containers")
	}
	volumes := map[string]bool{}
	for _, v := range spec.Volumes {
		volumes[v.Name] = true
		if v.ConfigMap != nil && !configMaps[v.ConfigMap.Name] {
			fail(d, "volume %q: ConfigMap %q is not rendered by the chart", v.Name, v.ConfigMap.Name)
		}
	}
	if policy {
		if spec.AutomountServiceAccountToken == nil || *spec.AutomountServiceAccountToken {
			fail(d, "automountServiceAccountToken must be false")
		}
		psc := spec.SecurityContext
		if psc == nil || psc.RunAsNonRoot == nil || !*psc.RunAsNonRoot {
			fail(d, "pod securityContext.runAsNonRoot must be true")
		}
		if psc == nil || psc.SeccompProfile == nil || psc.SeccompProfile.Type != corev1.SeccompProfileTypeRuntimeDefault {
			fail(d, "pod securityContext.seccompProfile must be RuntimeDefault")
		}
		if spec.ServiceAccountName == "" {
			fail(d, "no serviceAccountName")
		}
		// Spread per component: a selector shared by all components would let one component's
		// pods all land on one node.
		if len(spec.TopologySpreadConstraints) == 0 {
			fail(d, "no topologySpreadConstraints (nodes and zones)")
		}
		for _, t := range spec.TopologySpreadConstraints {
			if t.LabelSelector == nil || t.LabelSelector.MatchLabels["app.kubernetes.io/component"] == "" ||
				!labels.SelectorFromSet(t.LabelSelector.MatchLabels).Matches(labels.Set(tmpl.Labels)) {
				fail(d, "topologySpreadConstraints %s: the selector must match this component's pods by app.kubernetes.io/component", t.TopologyKey)
			}
		}
	}
	for _, c := range spec.Containers {
		if c.Image == "" {
			fail(d, "container %q: no image", c.Name)
		}
		for _, msg := range validation.IsDNS1123Label(c.Name) {
			fail(d, "container name %q: %s", c.Name, msg)
		}
		ports := map[string]bool{}
		for _, p := range c.Ports {
			if p.Name != "" {
				for _, msg := range validation.IsValidPortName(p.Name) {
					fail(d, "container %q port name %q: %s", c.Name, p.Name, msg)
				}
				ports[p.Name] = true
			}
			if p.ContainerPort < 1 || p.ContainerPort > 65535 {
				fail(d, "container %q: containerPort %d", c.Name, p.ContainerPort)
			}
		}
		for _, m := range c.VolumeMounts {
			if !volumes[m.Name] {
				fail(d, "container %q mounts unknown volume %q", c.Name, m.Name)
			}
		}
		for _, e := range c.Env {
			for _, msg := range validation.IsEnvVarName(e.Name) {
				fail(d, "env %q: %s", e.Name, msg)
			}
			if e.Value != "" && e.ValueFrom != nil {
				fail(d, "env %q has value and valueFrom", e.Name)
			}
		}
		probePort := func(what string, p *corev1.Probe) {
			if p == nil {
				if policy && what != "startupProbe" {
					fail(d, "container %q has no %s", c.Name, what)
				}
				return
			}
			n := 0
			var port string
			if p.HTTPGet != nil {
				n++
				if p.HTTPGet.Port.IntVal == 0 {
					port = p.HTTPGet.Port.StrVal
				}
			}
			if p.GRPC != nil {
				n++
				if p.GRPC.Port < 1 || p.GRPC.Port > 65535 {
					fail(d, "container %q %s: grpc port %d", c.Name, what, p.GRPC.Port)
				}
			}
			if p.TCPSocket != nil {
				n++
				if p.TCPSocket.Port.IntVal == 0 {
					port = p.TCPSocket.Port.StrVal
				}
			}
			if p.Exec != nil {
				n++
			}
			if n != 1 {
				fail(d, "container %q %s: exactly one handler required, got %d", c.Name, what, n)
			}
			if port != "" && !ports[port] {
				fail(d, "container %q %s: named port %q is not declared", c.Name, what, port)
			}
		}
		probePort("livenessProbe", c.LivenessProbe)
		probePort("readinessProbe", c.ReadinessProbe)
		probePort("startupProbe", c.StartupProbe)
		if policy {
			// Liveness and start-up ask for the process alone (grpc.health.v1 service "liveness"),
			// readiness for its dependencies: a Kafka outage must not restart every pod.
			for what, p := range map[string]*corev1.Probe{"livenessProbe": c.LivenessProbe, "startupProbe": c.StartupProbe, "readinessProbe": c.ReadinessProbe} {
				if p == nil {
					continue
				}
				liveness := (p.GRPC != nil && p.GRPC.Service != nil && *p.GRPC.Service == "liveness") ||
					(p.Exec != nil && strings.Contains(strings.Join(p.Exec.Command, " "), "--service liveness"))
				grpcCheck := p.GRPC != nil || (p.Exec != nil && len(p.Exec.Command) > 0 && p.Exec.Command[0] == "rathaus-grpc-health")
				if grpcCheck && what != "readinessProbe" && !liveness {
					fail(d, "container %q %s: must ask grpc.health.v1 for service \"liveness\" (the process), not readiness", c.Name, what)
				}
				if what == "readinessProbe" && liveness {
					fail(d, "container %q readinessProbe: must reflect the dependencies, not \"liveness\"", c.Name)
				}
			}
			// A pause before SIGTERM so the endpoints are gone first, and a grace period that
			// covers it and the drain.
			pause := int64(-1)
			if c.Lifecycle != nil && c.Lifecycle.PreStop != nil {
				if c.Lifecycle.PreStop.Sleep != nil {
					pause = c.Lifecycle.PreStop.Sleep.Seconds
				} else if c.Lifecycle.PreStop.Exec != nil {
					pause = 0
				}
			}
			if pause < 1 {
				fail(d, "container %q: no preStop pause (lifecycle.preStop.sleep)", c.Name)
			} else if spec.TerminationGracePeriodSeconds == nil || *spec.TerminationGracePeriodSeconds < pause+20 {
				fail(d, "terminationGracePeriodSeconds must be at least the preStop pause (%ds) + 20s of drain", pause)
			}
		}
		if policy {
			sc := c.SecurityContext
			switch {
			case sc == nil:
				fail(d, "container %q: no securityContext", c.Name)
			default:
				if sc.AllowPrivilegeEscalation == nil || *sc.AllowPrivilegeEscalation {
					fail(d, "container %q: allowPrivilegeEscalation must be false", c.Name)
				}
				if sc.ReadOnlyRootFilesystem == nil || !*sc.ReadOnlyRootFilesystem {
					fail(d, "container %q: readOnlyRootFilesystem must be true", c.Name)
				}
				if sc.Capabilities == nil || len(sc.Capabilities.Drop) != 1 || sc.Capabilities.Drop[0] != "ALL" || len(sc.Capabilities.Add) > 0 {
					fail(d, "container %q: capabilities must drop ALL and add none", c.Name)
				}
			}
			if c.Resources.Requests == nil || c.Resources.Limits == nil {
				fail(d, "container %q: resources.requests and .limits required", c.Name)
			}
			tmp := false
			for _, m := range c.VolumeMounts {
				if m.MountPath == "/tmp" {
					tmp = true
				}
			}
			if !tmp {
				fail(d, "container %q: no writable /tmp (emptyDir) with a read-only root filesystem", c.Name)
			}
		}
	}
}

func main() {
	policy := flag.Bool("policy", false, "also enforce the chart's hardening rules on workloads")
	flag.Parse()
	if flag.NArg() == 0 {
		fmt.Fprintln(os.Stderr, "usage: k8s-validate [-policy] FILE...")
		os.Exit(2)
	}
	var docs []*doc
	for _, f := range flag.Args() {
		var data []byte
		var err error
		if f == "-" {
			data, err = io.ReadAll(os.Stdin)
		} else {
			data, err = os.ReadFile(f)
		}
		if err != nil {
			fmt.Fprintln(os.Stderr, "k8s-validate:", err)
			os.Exit(2)
		}
		docs = append(docs, decode(f, data)...)
	}

	// Cross-document references.
	seen := map[string]bool{}
	configMaps := map[string]bool{}
	podLabels := map[string][]map[string]string{} // "Kind/name" -> pod label sets of workloads
	var allPods []map[string]string
	for _, d := range docs {
		key := d.gvk.Kind + "/" + d.name
		if seen[key] {
			fail(d, "rendered twice")
		}
		seen[key] = true
		switch o := d.obj.(type) {
		case *corev1.ConfigMap:
			configMaps[o.Name] = true
		case *appsv1.Deployment:
			podLabels[key] = append(podLabels[key], o.Spec.Template.Labels)
			allPods = append(allPods, o.Spec.Template.Labels)
		case *appsv1.StatefulSet:
			podLabels[key] = append(podLabels[key], o.Spec.Template.Labels)
			allPods = append(allPods, o.Spec.Template.Labels)
		}
	}
	serviceAccounts := map[string]bool{}
	for _, d := range docs {
		if sa, ok := d.obj.(*corev1.ServiceAccount); ok {
			serviceAccounts[sa.Name] = true
			if *policy && (sa.AutomountServiceAccountToken == nil || *sa.AutomountServiceAccountToken) {
				fail(d, "automountServiceAccountToken must be false")
			}
		}
	}
	matchesSomePod := func(sel map[string]string) bool {
		for _, l := range allPods {
			if labels.SelectorFromSet(sel).Matches(labels.Set(l)) {
				return true
			}
		}
		return false
	}
	for _, d := range docs {
		switch o := d.obj.(type) {
		case *appsv1.Deployment:
			if o.Spec.Selector == nil {
				fail(d, "no selector")
				continue
			}
			checkPodSpec(d, &o.Spec.Template, o.Spec.Selector.MatchLabels, *policy, configMaps)
			if sa := o.Spec.Template.Spec.ServiceAccountName; sa != "" && !serviceAccounts[sa] {
				fail(d, "serviceAccountName %q is not rendered by the chart", sa)
			}
		case *corev1.Service:
			if len(o.Spec.Selector) == 0 || !matchesSomePod(o.Spec.Selector) {
				fail(d, "selector %v matches no rendered workload", o.Spec.Selector)
			}
			for _, p := range o.Spec.Ports {
				for _, msg := range validation.IsValidPortName(p.Name) {
					fail(d, "port name %q: %s", p.Name, msg)
				}
			}
		case *policyv1.PodDisruptionBudget:
			if o.Spec.Selector == nil || !matchesSomePod(o.Spec.Selector.MatchLabels) {
				fail(d, "selector matches no rendered workload")
			}
			if (o.Spec.MinAvailable == nil) == (o.Spec.MaxUnavailable == nil) {
				fail(d, "exactly one of minAvailable and maxUnavailable")
			}
			if *policy && (o.Spec.UnhealthyPodEvictionPolicy == nil || *o.Spec.UnhealthyPodEvictionPolicy != policyv1.AlwaysAllow) {
				fail(d, "unhealthyPodEvictionPolicy must be AlwaysAllow (an unhealthy pod must not block a drain)")
			}
		case *autoscalingv2.HorizontalPodAutoscaler:
			ref := o.Spec.ScaleTargetRef
			if !seen[ref.Kind+"/"+ref.Name] {
				fail(d, "scaleTargetRef %s/%s is not rendered", ref.Kind, ref.Name)
			}
			if o.Spec.MinReplicas != nil && *o.Spec.MinReplicas > o.Spec.MaxReplicas {
				fail(d, "minReplicas > maxReplicas")
			}
			if len(o.Spec.Metrics) == 0 {
				fail(d, "no metrics")
			}
		case *networkingv1.NetworkPolicy:
			if len(o.Spec.PolicyTypes) == 0 {
				fail(d, "policyTypes must be explicit")
			}
		case *networkingv1.Ingress:
			for _, r := range o.Spec.Rules {
				if r.HTTP == nil {
					continue
				}
				for _, p := range r.HTTP.Paths {
					if p.PathType == nil {
						fail(d, "path %q without pathType", p.Path)
					}
					if p.Backend.Service == nil || !seen["Service/"+p.Backend.Service.Name] {
						fail(d, "backend of path %q is not a rendered Service", p.Path)
					}
				}
			}
		}
	}
	if *policy {
		deny := false
		for _, d := range docs {
			if np, ok := d.obj.(*networkingv1.NetworkPolicy); ok && len(np.Spec.PolicyTypes) == 2 &&
				len(np.Spec.Ingress) == 0 && len(np.Spec.Egress) == 0 && matchesAllPods(np.Spec.PodSelector.MatchLabels, allPods) {
				deny = true
			}
		}
		if !deny {
			fail(nil, "no default-deny NetworkPolicy (Ingress+Egress, no rules, selecting every workload)")
		}
	}
	if len(docs) == 0 && len(errs) == 0 {
		errs = append(errs, "no documents")
	}
	if len(errs) > 0 {
		for _, e := range errs {
			fmt.Fprintln(os.Stderr, "k8s-validate:", e)
		}
		fmt.Fprintf(os.Stderr, "k8s-validate: %d error(s) in %d document(s)\n", len(errs), len(docs))
		os.Exit(1)
	}
	kinds := map[string]int{}
	for _, d := range docs {
		kinds[d.gvk.Kind]++
	}
	var parts []string
	for k, n := range kinds {
		parts = append(parts, fmt.Sprintf("%s=%d", k, n))
	}
	fmt.Printf("k8s-validate: %d documents valid (%s)\n", len(docs), strings.Join(sortStrings(parts), " "))
}

// matchesAllPods: the selector selects every rendered workload's pods.
func matchesAllPods(sel map[string]string, pods []map[string]string) bool {
	for _, l := range pods {
		if !labels.SelectorFromSet(sel).Matches(labels.Set(l)) {
			return false
		}
	}
	return true
}

func sortStrings(s []string) []string {
	for i := 1; i < len(s); i++ {
		for j := i; j > 0 && s[j] < s[j-1]; j-- {
			s[j], s[j-1] = s[j-1], s[j]
		}
	}
	return s
}

// checkTopic: a rathaus KafkaTopic survives one broker down with acks=all.
func checkTopic(d *doc, spec map[string]any) {
	num := func(v any) float64 { f, _ := v.(float64); return f }
	if name, _ := spec["topicName"].(string); !strings.HasPrefix(name, "rathaus.") {
		fail(d, "topicName %q: rathaus.<service>.v1[.dlq] expected", name)
	}
	if num(spec["partitions"]) < 1 {
		fail(d, "partitions must be >= 1")
	}
	replicas := num(spec["replicas"])
	cfg, _ := spec["config"].(map[string]any)
	isr := num(cfg["min.insync.replicas"])
	if replicas < 3 || isr < 2 || isr >= replicas {
		fail(d, "replicas %v / min.insync.replicas %v: want replicas >= 3 and 2 <= min.insync.replicas < replicas", replicas, isr)
	}
}
