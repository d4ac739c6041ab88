// A select's options where each value is its own label (levels, namespaces, restart policies).
export function Options(props: { values: readonly string[] }) {
  return (
    <>
      {props.values.map((v) => (
        <option key={v} value={v}>
          {v}
        </option>
      ))}
    </>
  );
}
