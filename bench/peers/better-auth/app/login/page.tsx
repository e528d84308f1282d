import { SignInButton } from "./sign-in-button";

export default function Login() {
  return (
    <main>
      <h1>Sign in</h1>
      <SignInButton />
    </main>
  );
}
