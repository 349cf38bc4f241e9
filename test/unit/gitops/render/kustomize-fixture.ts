// A kustomize base and a prod overlay using every feature the renderer supports, for
// kustomize.test.ts: generators, prefixes/suffixes, labels, annotations, images, patches.

export const BASE: Record<string, string> = {
  'base/kustomization.yaml': `apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
commonLabels:
  app: web
resources:
- deployment.yaml
- service.yaml
configMapGenerator:
- name: web-config
  literals:
  - LOG_LEVEL=info
  - GREETING="hello world"
  files:
  - config/app.properties
  - custom-key=config/other.txt
secretGenerator:
- name: web-secret
  literals:
  - password=s3cret
`,
  'base/config/app.properties': 'color=blue\n',
  'base/config/other.txt': 'other\n',
  'base/deployment.yaml': `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: 1
  selector:
    matchLabels:
      tier: front
  template:
    metadata:
      labels:
        tier: front
    spec:
      imagePullSecrets:
      - name: regcred
      initContainers:
      - name: init
        image: busybox:1.36
      containers:
      - name: web
        image: nginx:1.14
        envFrom:
        - configMapRef:
            name: web-config
        env:
        - name: PASSWORD
          valueFrom:
            secretKeyRef:
              name: web-secret
              key: password
        - name: EXTERNAL
          valueFrom:
            configMapKeyRef:
              name: not-generated
              key: x
        volumeMounts:
        - name: config
          mountPath: /etc/web
      volumes:
      - name: config
        configMap:
          name: web-config
      - name: secret
        secret:
          secretName: web-secret
`,
  'base/service.yaml': `apiVersion: v1
kind: Service
metadata:
  name: web
spec:
  selector:
    tier: front
  ports:
  - port: 80
`,
};

export const OVERLAY: Record<string, string> = {
  'overlays/prod/kustomization.yaml': `resources:
- ../../base
- extra
- namespace.yaml
namespace: prod
namePrefix: prod-
nameSuffix: -v1
commonLabels:
  env: prod
commonAnnotations:
  owner: team-a
images:
- name: nginx
  newName: registry.example.com/nginx
  newTag: "1.25"
- name: busybox
  digest: sha256:0123456789abcdef
configMapGenerator:
- name: prod-only
  envs:
  - prod.env
  options:
    disableNameSuffixHash: true
generatorOptions:
  labels:
    generated: "true"
patchesStrategicMerge:
- replicas-patch.yaml
patches:
- path: resources-patch.yaml
  target:
    kind: Deployment
    labelSelector: app=web
- target:
    kind: Service
    name: web
  patch: |-
    - op: add
      path: /metadata/labels/patched
      value: "yes"
`,
  'overlays/prod/prod.env': '# comment\nREGION=eu-west-1\n\nZONE=b\n',
  'overlays/prod/namespace.yaml': 'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: prod\n',
  'overlays/prod/extra/job.yaml': `apiVersion: batch/v1
kind: Job
metadata:
  name: migrate
spec:
  template:
    spec:
      restartPolicy: Never
      containers:
      - name: migrate
        image: nginx
        envFrom:
        - secretRef:
            name: web-secret
`,
  'overlays/prod/replicas-patch.yaml': `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: 5
`,
  'overlays/prod/resources-patch.yaml': `apiVersion: apps/v1
kind: Deployment
metadata:
  name: ignored-because-of-target
spec:
  template:
    spec:
      containers:
      - name: web
        resources:
          limits:
            memory: 256Mi
`,
};
