// jobq on Azure Container Apps: the coordinator of one prefix as an app with exactly two replicas
// (one leads, one hot standby), and workers as an event-driven job that the azure-queue scale rule
// starts while the task queue has messages (zero executions, zero cost, when it is empty).
// Deploy: az deployment group create -g RG -f deploy/container-apps/main.bicep -p storageAccount=... environmentId=...
// Identities and roles: docs/operations.md.

@description('Storage account holding the workflows (state blobs, index table, queues).')
param storageAccount string

@description('jobq prefix of the workflows (JOBQ_WORKFLOW_PREFIX is <storageAccount>/<prefix>).')
param prefix string = 'MyProject'

@description('Task queue the workers serve.')
param taskQueue string = 'gpu-tasks'

@description('Resource id of an existing Container Apps managed environment.')
param environmentId string

@description('jobq container image.')
param image string = 'myregistry.azurecr.io/jobq:0.1.0'

param location string = resourceGroup().location

// One user-assigned identity for the coordinator, the workers and the scale rule.
resource identity 'Microsoft.ManagedIdentity/userAssignedIdentities@2023-01-31' = {
  name: 'jobq-${toLower(prefix)}'
  location: location
}

var jobqEnv = [
  { name: 'JOBQ_WORKFLOW_PREFIX', value: '${storageAccount}/${prefix}' }
  // DefaultAzureCredential picks the user-assigned identity by its client id.
  { name: 'AZURE_CLIENT_ID', value: identity.properties.clientId }
]

resource coordinator 'Microsoft.App/containerApps@2024-03-01' = {
  name: 'jobq-coordinator-${toLower(prefix)}'
  location: location
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: { '${identity.id}': {} }
  }
  properties: {
    environmentId: environmentId
    configuration: {
      activeRevisionsMode: 'Single'
    }
    template: {
      containers: [
        {
          name: 'coordinator'
          image: image
          args: [
            'workflow'
            'coordinator'
            '--standby'
            '--metrics-port'
            '9464'
            '--metrics-host'
            '0.0.0.0'
          ]
          env: jobqEnv
          resources: { cpu: json('0.5'), memory: '1Gi' }
          // /healthz is 200 for the leader and for the standby; /readyz (leader only) is not used as
          // the readiness probe, or a new revision's standby replica would never become ready.
          probes: [
            {
              type: 'Startup'
              httpGet: { path: '/healthz', port: 9464 }
              periodSeconds: 2
              failureThreshold: 30
            }
            {
              type: 'Liveness'
              httpGet: { path: '/healthz', port: 9464 }
              periodSeconds: 10
              failureThreshold: 3
            }
            {
              type: 'Readiness'
              httpGet: { path: '/healthz', port: 9464 }
              periodSeconds: 5
            }
          ]
        }
      ]
      // Exactly two: never scaled on load (the coordinator is one per prefix), never to zero.
      scale: { minReplicas: 2, maxReplicas: 2 }
    }
  }
}

resource workers 'Microsoft.App/jobs@2024-10-02-preview' = {
  name: 'jobq-worker-${taskQueue}'
  location: location
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: { '${identity.id}': {} }
  }
  properties: {
    environmentId: environmentId
    configuration: {
      triggerType: 'Event'
      replicaTimeout: 86400
      replicaRetryLimit: 0
      eventTriggerConfig: {
        parallelism: 1
        replicaCompletionCount: 1
        scale: {
          minExecutions: 0
          maxExecutions: 20
          pollingInterval: 10
          rules: [
            {
              name: 'task-queue'
              type: 'azure-queue'
              // One execution per 4 queued task messages (the worker's --concurrency).
              metadata: { accountName: storageAccount, queueName: taskQueue, queueLength: '4' }
              identity: identity.id
            }
          ]
        }
      }
    }
    template: {
      containers: [
        {
          name: 'worker'
          image: image
          // Exits 0 after 120 s without work, so the execution ends when the queue is drained.
          args: [
            'worker'
            taskQueue
            '--concurrency'
            '4'
            '--idle-timeout'
            '120'
          ]
          env: jobqEnv
          resources: { cpu: json('2'), memory: '4Gi' }
        }
      ]
    }
  }
}

// Roles of the identity on the storage account (scope them narrower if the account is shared).
resource account 'Microsoft.Storage/storageAccounts@2023-05-01' existing = {
  name: storageAccount
}

var roles = {
  blobDataContributor: 'ba92f5b4-2d11-453d-a403-e96b0029c9fe'
  queueDataContributor: '974c5e8b-45b9-4653-ba55-5f855dd0fb88'
  tableDataContributor: '0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3'
}

resource grants 'Microsoft.Authorization/roleAssignments@2022-04-01' = [
  for role in items(roles): {
    name: guid(account.id, identity.id, role.value)
    scope: account
    properties: {
      principalId: identity.properties.principalId
      principalType: 'ServicePrincipal'
      roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', role.value)
    }
  }
]

output coordinatorApp string = coordinator.name
output workerJob string = workers.name
