import { signIn } from "../../auth";

// Auth.js's documented sign-in button: a form posting a server action, no client component.
export default function Login() {
  return (
    <main>
      <h1>Sign in</h1>
      <form
        action={async () => {
          "use server";
          await signIn("dev-idp", { redirectTo: "/dashboard" });
        }}
      >
        <button type="submit">Continue with Dev IdP</button>
      </form>
    </main>
  );
}
