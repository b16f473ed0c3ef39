# Written by idpsync import --from-terraform.
#
# Put this file in the root module of the Terraform configuration, delete the
# resource blocks it names (a removed block refuses a resource that is still
# declared), and run terraform plan: it must show only "will no longer be
# managed by Terraform", nothing destroyed. Requires Terraform or OpenTofu 1.7+.

removed {
  from = cloudflare_share.corp_saml

  lifecycle {
    destroy = false
  }
}

removed {
  from = cloudflare_share.github

  lifecycle {
    destroy = false
  }
}

removed {
  from = cloudflare_share_recipient.github_c

  lifecycle {
    destroy = false
  }
}

removed {
  from = cloudflare_share_resource.corp_saml_grant

  lifecycle {
    destroy = false
  }
}

removed {
  from = cloudflare_zero_trust_access_identity_provider.github

  lifecycle {
    destroy = false
  }
}

removed {
  from = cloudflare_zero_trust_access_identity_provider.okta_saml

  lifecycle {
    destroy = false
  }
}

removed {
  from = cloudflare_zero_trust_access_identity_provider.zone_pin

  lifecycle {
    destroy = false
  }
}

removed {
  from = module.idps.cloudflare_zero_trust_access_identity_provider.oauth

  lifecycle {
    destroy = false
  }
}

removed {
  from = module.team.module.login.cloudflare_zero_trust_access_identity_provider.pin

  lifecycle {
    destroy = false
  }
}
