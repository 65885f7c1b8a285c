/**
 * RabbitmqCluster (rabbitmq.com/v1beta1), the one custom resource we deploy that no npm package models
 * (@kubernetes-models has KEDA and CloudNativePG, not the RabbitMQ Cluster Operator). The spec's fields as the
 * operator's API reference lists them, with Kubernetes' own types where the operator embeds them; the parts we never
 * set (override, secretBackend) stay open. Used only for the type check of tools/k8s/schemas.ts, which rejects
 * unknown fields: keep it in step with the operator version k8s/README.md installs.
 */
import type { IIoK8sApimachineryPkgApisMetaV1ObjectMeta } from '@kubernetes-models/apimachinery/apis/meta/v1/ObjectMeta';
import type { IIoK8sApiCoreV1Affinity } from 'kubernetes-models/v1/Affinity';
import type { IIoK8sApiCoreV1LocalObjectReference } from 'kubernetes-models/v1/LocalObjectReference';
import type { IIoK8sApiCoreV1ResourceRequirements } from 'kubernetes-models/v1/ResourceRequirements';
import type { IIoK8sApiCoreV1Toleration } from 'kubernetes-models/v1/Toleration';

export interface IRabbitmqCluster {
  apiVersion: 'rabbitmq.com/v1beta1';
  kind: 'RabbitmqCluster';
  metadata: IIoK8sApimachineryPkgApisMetaV1ObjectMeta;
  spec?: {
    replicas?: number;
    image?: string;
    imagePullSecrets?: IIoK8sApiCoreV1LocalObjectReference[];
    service?: {
      type?: 'ClusterIP' | 'LoadBalancer' | 'NodePort';
      annotations?: Record<string, string>;
      ipFamilyPolicy?: 'SingleStack' | 'PreferDualStack' | 'RequireDualStack';
    };
    persistence?: { storageClassName?: string; storage?: string | number };
    resources?: IIoK8sApiCoreV1ResourceRequirements;
    affinity?: IIoK8sApiCoreV1Affinity;
    tolerations?: IIoK8sApiCoreV1Toleration[];
    rabbitmq?: {
      additionalPlugins?: string[];
      additionalConfig?: string;
      advancedConfig?: string;
      envConfig?: string;
      erlangInetConfig?: string;
    };
    tls?: { secretName?: string; caSecretName?: string; disableNonTLSListeners?: boolean };
    override?: { statefulSet?: Record<string, unknown>; service?: Record<string, unknown> };
    skipPostDeploySteps?: boolean;
    terminationGracePeriodSeconds?: number;
    delayStartSeconds?: number;
    autoEnableAllFeatureFlags?: boolean;
    secretBackend?: Record<string, unknown>;
  };
}
