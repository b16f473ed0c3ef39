# Written by idpsync import --from-terraform.
#
# Put this file in the root module of the Terraform configuration, delete the
# resource blocks it names (a removed block refuses a resource that is still
# declared), and run terraform plan: it must show only "will no longer be
# managed by Terraform", nothing destroyed. Requires Terraform or OpenTofu 1.7+.

removed {
  from = cloudflare_access_identity_provider.github

  lifecycle {
    destroy = false
  }
}

removed {
  from = cloudflare_access_identity_provider.zone_pin

  lifecycle {
    destroy = false
  }
}

removed {
  from = module.legacy.cloudflare_zero_trust_access_identity_provider.oidc

  lifecycle {
    destroy = false
  }
}

removed {
  from = module.legacy.cloudflare_zero_trust_access_identity_provider.saml

  lifecycle {
    destroy = false
  }
}
