// A titled card of a view: its heading, an optional line saying what it holds, then its content.
export function Section({ title, children, sub, testId }: { title: string; sub?: string; children: React.ReactNode; testId?: string }) {
  return (
    <section className="card" aria-label={title} data-testid={testId}>
      <div className="card-head">
        <h2>{title}</h2>
        {sub ? <span className="muted">{sub}</span> : null}
      </div>
      {children}
    </section>
  );
}
