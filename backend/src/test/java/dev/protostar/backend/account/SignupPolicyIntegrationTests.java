package dev.protostar.backend.account;

import java.net.http.HttpResponse;

import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

import org.springframework.test.context.TestPropertySource;

import dev.protostar.backend.IntegrationTestSupport;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code PROTOSTAR_SIGNUP_POLICY}, one application per policy: who may sign up
 * without an invite, and that an invite works under every policy but
 * {@code closed}. (The default, {@code open}, is what every other integration
 * test signs up under; see also InviteIntegrationTests.)
 */
class SignupPolicyIntegrationTests {

	/** Helpers shared by the policies' applications. */
	abstract static class PolicySupport extends IntegrationTestSupport {

		HttpResponse<String> signupAs(String email, String inviteToken) throws Exception {
			var body = json.createObjectNode().put("email", email).put("password", PASSWORD).put("displayName", "New");
			if (inviteToken != null) {
				body.put("inviteToken", inviteToken);
			}
			return postJson("/api/auth/signup", json.writeValueAsString(body));
		}

		String invite() throws Exception {
			HttpResponse<String> response = postJson("/api/admin/invites", adminAccessToken(), "{}");
			assertThat(response.statusCode()).as(response.body()).isEqualTo(201);
			return body(response).at("/data/token").asString();
		}

		void assertRefused(HttpResponse<String> response, String resultCode) {
			assertThat(response.statusCode()).as(response.body()).isEqualTo(403);
			assertThat(body(response).at("/resultCode").asString()).isEqualTo(resultCode);
		}

	}

	@Nested
	class Open extends PolicySupport {

		@Test
		void anyoneSignsUpAsAGuest() throws Exception {
			HttpResponse<String> response = signupAs("someone-" + System.nanoTime() + "@anywhere.example", null);

			assertThat(response.statusCode()).as(response.body()).isEqualTo(201);
			assertThat(body(response).at("/data/user/tier").asString()).isEqualTo("GUEST");
		}

	}

	@Nested
	@TestPropertySource(properties = { "protostar.signup.policy=domains",
			"protostar.signup.domains= Example.COM ,staff.example.org" })
	class Domains extends PolicySupport {

		@Test
		void anAllowedDomainSignsUpInAnyCase() throws Exception {
			assertThat(signupAs("ana-" + System.nanoTime() + "@EXAMPLE.com", null).statusCode()).isEqualTo(201);
			assertThat(signupAs("bo-" + System.nanoTime() + "@staff.example.org", null).statusCode()).isEqualTo(201);
		}

		@Test
		void anotherDomainOrASubdomainIsRefused() throws Exception {
			assertRefused(signupAs("eve@example.net", null), "SIGNUP_DOMAIN_NOT_ALLOWED");
			assertRefused(signupAs("eve@mail.example.com", null), "SIGNUP_DOMAIN_NOT_ALLOWED");
			assertRefused(signupAs("eve@notexample.com", null), "SIGNUP_DOMAIN_NOT_ALLOWED");
		}

		@Test
		void anInviteAdmitsAnotherDomain() throws Exception {
			assertThat(signupAs("guest-" + System.nanoTime() + "@partner.example.net", invite()).statusCode())
				.isEqualTo(201);
		}

	}

	@Nested
	@TestPropertySource(properties = "protostar.signup.policy=invite")
	class Invite extends PolicySupport {

		@Test
		void withoutAnInviteNobodySignsUp() throws Exception {
			assertRefused(signupAs(uniqueEmail(), null), "INVITE_REQUIRED");
			assertRefused(signupAs(uniqueEmail(), OneTimeTokens.generate()), "INVITE_INVALID");
		}

		@Test
		void withAnInviteOneAccountIsCreated() throws Exception {
			HttpResponse<String> response = signupAs(uniqueEmail(), invite());

			assertThat(response.statusCode()).as(response.body()).isEqualTo(201);
			assertThat(body(response).at("/data/user/tier").asString()).isEqualTo("GUEST");
		}

	}

	@Nested
	@TestPropertySource(properties = "protostar.signup.policy=closed")
	class Closed extends PolicySupport {

		@Test
		void nobodySignsUpNotEvenWithAnInvite() throws Exception {
			assertRefused(signupAs(uniqueEmail(), null), "SIGNUP_CLOSED");
			assertRefused(signupAs(uniqueEmail(), invite()), "SIGNUP_CLOSED");
		}

		@Test
		void existingAccountsStillSignIn() throws Exception {
			assertThat(login(ADMIN_EMAIL, ADMIN_PASSWORD).at("/user/tier").asString()).isEqualTo("ADMIN");
		}

	}

}
